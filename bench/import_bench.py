"""Import throughput and peak memory on a county-scale payment roll.

    python bench/import_bench.py [--rows 10000000] [--xlsx-rows 1000000] [--repeat 3]

Steps: 1. write the payment roll once (UTF-8 CSV), a GBK copy of it, and an XLSX of the first
`--xlsx-rows` rows, under bench/out/; 2. for each file, run `mingjing import payments FILE --force`
in a fresh process `--repeat` times, recording wall time and that process's peak RSS (wait4);
3. in the same run, time the floor: pyarrow's multi-threaded CSV parse of the same file into
string columns, doing nothing else; 4. print medians, rows/s and the ratio to the floor as a
Markdown table (paste into bench/RESULTS.md).

Each import is a separate process with its own MINGJING_HOME, so startup and migrations are
included in the figures, as a user of the CLI would see them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

HEADER = "流水号,项目编码,身份证号码,姓名,村(社区)代码,发放年月,发放金额(元),一卡通账号,户名,发放日期\n"
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉力春梅金凤志海")


def write_roll(path: Path, rows: int, persons: int = 1_000_000, seed: int = 7) -> None:
    """A realistic monthly roll: valid IDs, 24 periods, amounts with yuan and commas here and there."""
    from mingjing.lib.ids import CHECK_CHARS, WEIGHTS

    rng = np.random.default_rng(seed)
    born = np.datetime64("1930-01-01") + rng.integers(0, 80 * 365, persons).astype("timedelta64[D]")
    ymd = np.datetime_as_string(born, unit="D")
    first17 = np.char.add(np.char.add("330782", np.char.replace(ymd, "-", "")),
                          np.char.zfill(rng.integers(0, 1000, persons).astype(str), 3))
    digits = np.frombuffer("".join(first17.tolist()).encode(), dtype=np.uint8).reshape(persons, 17) - 48
    ids = np.char.add(first17, np.array(list(CHECK_CHARS))[(digits.astype(np.int64) @ WEIGHTS) % 11])
    names = np.char.add(np.array(SURNAMES)[rng.integers(0, len(SURNAMES), persons)],
                        np.array(GIVEN)[rng.integers(0, len(GIVEN), persons)])
    villages = [f"330782{100 + t:03d}{200 + v:03d}" for t in range(20) for v in range(25)]
    village = np.array(villages)[rng.integers(0, len(villages), persons)]
    periods = [f"{2024 + (m + 10) // 12}-{(m + 10) % 12 + 1:02d}" for m in range(24)]
    with path.open("w", encoding="utf-8") as f:
        f.write(HEADER)
        step = 250_000
        for start in range(0, rows, step):
            k = min(step, rows - start)
            who = rng.integers(0, persons, k)
            month = rng.integers(0, 24, k)
            cents = rng.integers(5_000, 150_000, k)
            lines = []
            for i in range(k):
                p = who[i]
                amount = f"{cents[i] // 100}.{cents[i] % 100:02d}"
                if i % 50 == 0:
                    amount += "元"
                lines.append(
                    f"{start + i},P0{month[i] % 6},{ids[p]},{names[p]},{village[p]},{periods[month[i]]},"
                    f"{amount},6217{p:012d},{names[p]},{periods[month[i]]}-15\n"
                )
            f.write("".join(lines))


def transcode(src: Path, dst: Path, encoding: str) -> None:
    with src.open(encoding="utf-8") as fin, dst.open("w", encoding=encoding) as fout:
        while block := fin.read(1 << 24):
            fout.write(block)


def write_xlsx(src: Path, dst: Path, rows: int) -> None:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("发放明细")
    with src.open(encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i > rows:
                break
            sheet.append(line.rstrip("\n").split(","))
    workbook.save(dst)


def run_import(path: Path) -> tuple[float, float, dict[str, object]]:
    """(seconds, peak RSS in MB, report) of one `mingjing import` in a fresh process and home."""
    with tempfile.TemporaryDirectory(dir=OUT) as home:
        env = {**os.environ, "MINGJING_HOME": home}
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "mingjing.cli", "import", "payments", str(path), "--force", "--json"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
        )
        assert proc.stdout is not None and proc.stderr is not None
        stdout = proc.stdout.read()
        stderr = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        if status != 0:
            raise SystemExit(f"import failed: {stderr.decode()}")
        report = json.loads(stdout.decode().strip().splitlines()[-1])
        return seconds, usage.ru_maxrss / 1024, report


def floor_parse(path: Path, encoding: str) -> float:
    """Seconds for pyarrow to parse the file into string columns and nothing else."""
    code = (
        "import sys, time, pyarrow as pa, pyarrow.csv as c\n"
        "t = time.perf_counter()\n"
        "r = c.open_csv(sys.argv[1], read_options=c.ReadOptions(encoding=sys.argv[2], block_size=1<<24),"
        " convert_options=c.ConvertOptions(column_types={n: pa.string() for n in sys.argv[3].split(',')}))\n"
        "n = sum(len(b) for b in r)\n"
        "print(time.perf_counter() - t)\n"
    )
    columns = HEADER.strip()
    out = subprocess.run(
        [sys.executable, "-c", code, str(path), encoding, columns], capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip())


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))) // 1024 // 1024
    return f"{os.cpu_count()} cores ({cpu}), {mem} GB RAM, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    utf8 = OUT / f"payments-{args.rows}.csv"
    gbk = OUT / f"payments-{args.rows}-gbk.csv"
    xlsx = OUT / f"payments-{args.xlsx_rows}.xlsx"
    if not utf8.exists():
        print(f"writing {utf8} ...", flush=True)
        write_roll(utf8, args.rows)
    if not gbk.exists():
        transcode(utf8, gbk, "gbk")
    if not xlsx.exists():
        print(f"writing {xlsx} ...", flush=True)
        write_xlsx(utf8, xlsx, args.xlsx_rows)

    cases = [("UTF-8 CSV", utf8, args.rows, "utf8"), ("GBK CSV", gbk, args.rows, "gbk"),
             ("XLSX", xlsx, args.xlsx_rows, None)]
    results = []
    for label, path, rows, encoding in cases:
        times, peaks, floors = [], [], []
        for _ in range(args.repeat):
            seconds, peak, report = run_import(path)
            assert report["rows_read"] == rows and report["rows_loaded"] == rows, report
            times.append(seconds)
            peaks.append(peak)
            if encoding:
                floors.append(floor_parse(path, encoding))
            print(f"  {label}: {seconds:.1f} s, peak {peak:.0f} MB", flush=True)
        median = statistics.median(times)
        floor = statistics.median(floors) if floors else None
        results.append((label, rows, path.stat().st_size, median, max(peaks), floor))

    print(f"\nMachine: {machine()}\n")
    print("| file | rows | size | import (median) | rows/s | peak RSS | pyarrow parse floor | import ÷ floor |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, rows, size, median, peak, floor in results:
        ratio = f"{median / floor:.1f}×" if floor else "—"
        floor_text = f"{floor:.1f} s" if floor else "—"
        print(f"| {label} | {rows:,} | {size / 1e6:,.0f} MB | {median:.1f} s | {rows / median:,.0f} | "
              f"{peak:,.0f} MB | {floor_text} | {ratio} |")


if __name__ == "__main__":
    main()
