"""Detection benchmark: all 15 problem models on a generated county, DuckDB against pandas and Spark.

    python bench/detect_bench.py [--persons 1000000] [--repeat 3] [--no-spark] [--markdown FILE]

Steps: 1. generate the demo county once into bench/out/detect-county-<persons>/ (reused when its
manifest exists) and import it with `mingjing demo load` into its own MINGJING_HOME,
bench/out/detect-home-<persons>/ (reused when the import finished); 2. `--repeat` times, side by
side in one run: `mingjing detect --json` on DuckDB in a fresh process (run + hits stored + alerts
synced: what a user waits for), the pandas reference `bench/pandas_reference.py` in a fresh process,
and the floor, a DuckDB scan in a fresh process that reads every input column the rules declare
once (cheap aggregates, no hashing); wall time and peak RSS via os.wait4; 3. Spark local mode once
(`mingjing detect --engine spark --json`), for the record; 4. a phase breakdown of each model on
DuckDB (views + count, query, aggregation to hits, evidence), once; 5. compare the hits stored by
the DuckDB run with the pandas reference's, Spark's and the manifest's planted hits as sets of
(model, grain key, level); 6. print Markdown (medians, peak RSS, ratios, per-model seconds, the
differences, the machine) and write it to `--markdown` if given.

Timings depend on the machine and its load: the figures that matter are the ratios measured in the
same run. Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

TARGETS = {"seconds": 60.0, "rss_mb": 6 * 1024, "speedup": 10.0}
LOADS: list[float] = []  # the 1-minute load average when each measured process started
Key = tuple[str, tuple[Any, ...], str]  # (model, grain key, level)


# -- processes -------------------------------------------------------------------------------------


def measured(cmd: list[str], env: dict[str, str] | None = None, timeout: float | None = None,
             ) -> tuple[float, float, str, str, int]:
    """(wall seconds, peak RSS MB, stdout, stderr, exit status) of a fresh process, via wait4."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        LOADS.append(os.getloadavg()[0])
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, cwd=ROOT)
        deadline = None if timeout is None else start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                status = -9
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        proc.returncode = 0  # reaped by wait4 above; stop Popen from waiting again
        out.seek(0)
        err.seek(0)
        code = os.waitstatus_to_exitcode(status) if status != -9 else -9
        return seconds, usage.ru_maxrss / 1024, out.read().decode(), err.read().decode(), code


def mingjing(*args: str) -> list[str]:
    # `python -m mingjing.cli` from the repository root, as demo.py starts its worker: the root on
    # sys.path makes `engine` the repository's package whatever the editable install says.
    return [sys.executable, "-m", "mingjing.cli", *args]


def home_env(home: Path) -> dict[str, str]:
    return {**os.environ, "MINGJING_HOME": str(home), "PYTHONPATH": str(ROOT)}


# -- 1. the county and its import ------------------------------------------------------------------


def ensure_county(persons: int, seed: int) -> tuple[Path, dict[str, Any], float | None]:
    county = OUT / f"detect-county-{persons}"
    manifest = county / "manifest.json"
    seconds = None
    if not manifest.exists():
        print(f"generating {persons:,} persons into {county} ...", flush=True)
        code = ("import sys; from pathlib import Path; from mingjing.demo.generator import generate; "
                "generate(Path(sys.argv[1]), persons=int(sys.argv[2]), seed=int(sys.argv[3]))")
        seconds, _, _, err, status = measured([sys.executable, "-c", code, str(county), str(persons), str(seed)],
                                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        if status != 0:
            raise SystemExit(f"generation failed:\n{err}")
    return county, json.loads(manifest.read_text(encoding="utf-8")), seconds


def ensure_home(persons: int, county: Path) -> tuple[Path, float | None, float | None]:
    home = OUT / f"detect-home-{persons}"
    marker = home / "imported.json"
    if marker.exists():
        done = json.loads(marker.read_text())
        return home, done.get("seconds"), done.get("peak_rss_mb")
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    print(f"importing {county} into {home} ...", flush=True)
    seconds, peak, _, err, status = measured(mingjing("demo", "load", str(county)), env=home_env(home))
    if status != 0:
        raise SystemExit(f"import failed:\n{err}")
    marker.write_text(json.dumps({"seconds": seconds, "peak_rss_mb": peak}) + "\n")
    return home, seconds, peak


def active_snapshot(home: Path) -> dict[str, list[str]]:
    """dataset -> Parquet files of the active batches, as `datahub.queries.snapshot()` pins them."""
    with sqlite3.connect(home / "mingjing.sqlite3") as db:
        rows = db.execute("SELECT dataset, id FROM datahub_batch WHERE status = 'active' ORDER BY dataset, id").fetchall()
    out: dict[str, list[str]] = {}
    for dataset, batch in rows:
        out.setdefault(dataset, []).append(str(home / "lake" / dataset / f"batch={batch}" / "data.parquet"))
    return out


# -- 2. the measured runs --------------------------------------------------------------------------


def detect(home: Path, engine: str, timeout: float | None = None) -> dict[str, Any]:
    seconds, peak, out, err, status = measured(mingjing("detect", "--engine", engine, "--json"),
                                               env=home_env(home), timeout=timeout)
    if status != 0:
        tail = "\n".join(err.strip().splitlines()[-15:])
        return {"seconds": seconds, "peak_rss_mb": peak, "load": LOADS[-1], "error": f"exit {status}: {tail}"}
    summary = json.loads(out.strip().splitlines()[-1])
    return {"seconds": seconds, "peak_rss_mb": peak, "load": LOADS[-1], "summary": summary}


def pandas_run(snapshot_file: Path, result_file: Path) -> dict[str, Any]:
    cmd = [sys.executable, str(ROOT / "bench" / "pandas_reference.py"), "--snapshot", str(snapshot_file),
           "--json", str(result_file)]
    seconds, peak, _, err, status = measured(cmd, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if status != 0:
        return {"seconds": seconds, "peak_rss_mb": peak, "load": LOADS[-1], "error": err.strip()[-2000:]}
    return {"seconds": seconds, "peak_rss_mb": peak, "load": LOADS[-1],
            "result": json.loads(result_file.read_text(encoding="utf-8"))}


def used_columns() -> dict[str, list[str]]:
    """Per dataset, the union of the columns the rules declare in `datasets`."""
    import engine

    used: dict[str, list[str]] = {}
    for rule in engine.load_rules():
        for use in rule.datasets:
            columns = used.setdefault(use.source, [])
            columns.extend(c for c in use.columns if c not in columns)
    return used


FLOOR_CODE = r"""
import json, sys, time
import duckdb
spec = json.loads(open(sys.argv[1]).read())
con = duckdb.connect(":memory:", config={"threads": spec["threads"], "memory_limit": spec["memory_limit"]})
started = time.perf_counter()
per = {}
for dataset, (files, columns) in spec["datasets"].items():
    t = time.perf_counter()
    con.execute(spec["queries"][dataset]).fetchall()
    per[dataset] = time.perf_counter() - t
print(json.dumps({"seconds": time.perf_counter() - started, "per_dataset": per}))
"""


def floor_spec(snapshot: dict[str, list[str]], columns: dict[str, list[str]]) -> dict[str, Any]:
    """One scan per dataset of the used columns, with an aggregate per column that must read it."""
    import pyarrow.parquet as pq

    queries, datasets = {}, {}
    for dataset, cols in sorted(columns.items()):
        files = snapshot.get(dataset, [])
        if not files:
            continue
        schema = pq.read_schema(files[0])
        aggregates = ["count(*)"]
        for c in cols:
            typ = str(schema.field(c).type)
            if typ in ("string", "large_string"):
                aggregates.append(f'sum(length("{c}"))')
            elif typ.startswith("decimal") or typ.startswith("int"):
                aggregates.append(f'sum("{c}")')
            elif typ == "bool":
                aggregates.append(f'count_if("{c}")')
            elif typ.startswith("list"):
                aggregates.append(f'sum(len("{c}"))')
            else:  # dates
                aggregates.append(f'max("{c}")')
        paths = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        queries[dataset] = f"SELECT {', '.join(aggregates)} FROM read_parquet([{paths}], union_by_name = true)"
        datasets[dataset] = (files, cols)
    return {"queries": queries, "datasets": datasets, "threads": 2, "memory_limit": "4GB"}


def floor_run(spec_file: Path) -> dict[str, Any]:
    seconds, peak, out, err, status = measured([sys.executable, "-c", FLOOR_CODE, str(spec_file)])
    if status != 0:
        raise SystemExit(f"floor scan failed:\n{err}")
    result = json.loads(out.strip().splitlines()[-1])
    return {"process_seconds": seconds, "peak_rss_mb": peak, "load": LOADS[-1], **result}


# -- 4. phase breakdown of each model on DuckDB -------------------------------------------------------

PROFILE_CODE = r"""
import json, sys, time
from pathlib import Path
import engine
from engine import sql
from engine.backends import make_backend
from engine.backends.base import aggregate
from engine.runner import load_programmes
from mingjing.datahub.contract import DATASETS, arrow_schema

snapshot = {k: [Path(p) for p in v] for k, v in json.loads(open(sys.argv[1]).read()).items()}
backend = make_backend("duckdb", None)
programmes = load_programmes(backend, snapshot)
out = []
for rule in engine.load_rules():
    params = rule.effective_parameters(None)
    t0 = time.perf_counter()
    compiled = sql.compile_rule(rule, params, backend.name)
    t1 = time.perf_counter()
    backend.open()
    try:
        for use in rule.datasets:
            columns = [*use.columns, *(c for c in ("_batch", "_row") if c not in use.columns)]
            backend.create_view(use.alias, columns, snapshot.get(use.source, []), arrow_schema(DATASETS[use.source]))
        backend.seal()
        examined = backend.query(f"SELECT count(*) AS n FROM {rule.primary}").column(0)[0].as_py()
        t2 = time.perf_counter()
        rows = backend.query(compiled)
        t3 = time.perf_counter()
        hits = aggregate(rule, rows, params, programmes)
        t4 = time.perf_counter()
        if rule.evidence and hits:
            backend._attach_evidence(rule, hits)
        t5 = time.perf_counter()
    finally:
        backend.close()
    out.append({"model": rule.code, "examined": examined, "rows": rows.num_rows, "hits": len(hits),
                "compile": t1 - t0, "count": t2 - t1, "query": t3 - t2, "aggregate": t4 - t3,
                "evidence": t5 - t4, "total": t5 - t0})
print(json.dumps(out))
"""


def profile_run(snapshot_file: Path) -> list[dict[str, Any]]:
    _, _, out, err, status = measured([sys.executable, "-c", PROFILE_CODE, str(snapshot_file)],
                                      env={**os.environ, "PYTHONPATH": str(ROOT)})
    if status != 0:
        print(f"profile failed:\n{err[-2000:]}", flush=True)
        return []
    return json.loads(out.strip().splitlines()[-1])


# -- 5. hits compared ------------------------------------------------------------------------------


def grain() -> dict[str, tuple[str, ...]]:
    import engine

    return {rule.code: tuple(rule.grain) for rule in engine.load_rules()}


def stored_hits(home: Path, run_id: int, grains: dict[str, tuple[str, ...]]) -> set[Key]:
    """The hits a run found, as stored (each found hit's last_run is that run)."""
    with sqlite3.connect(home / "mingjing.sqlite3") as db:
        rows = db.execute("SELECT model, key, level FROM analysis_hit WHERE last_run_id = ?", (run_id,)).fetchall()
    out = set()
    for model, key, level in rows:
        values = json.loads(key)
        out.add((model, tuple(values[c] for c in grains[model]), level))
    return out


def pandas_hits(result: dict[str, Any]) -> set[Key]:
    return {(model, tuple(key), level) for model, found in result["hits"].items() for key, level in found}


def manifest_hits(manifest: dict[str, Any], grains: dict[str, tuple[str, ...]]) -> set[Key]:
    return {(model, tuple(h["key"][c] for c in grains[model]), h["level"])
            for model, found in manifest["expected_hits"].items() if model in grains for h in found}


def differences(name_a: str, a: set[Key], name_b: str, b: set[Key]) -> list[str]:
    lines = []
    for model, key, level in sorted(a - b):
        other = next((lv for m, k, lv in b if m == model and k == key), None)
        lines.append(f"{model} {list(key)}: {name_a} {level}, {name_b} {other or 'no hit'}")
    for model, key, level in sorted(b - a):
        if not any(m == model and k == key for m, k, _ in a):
            lines.append(f"{model} {list(key)}: {name_a} no hit, {name_b} {level}")
    return lines


# -- 6. report -------------------------------------------------------------------------------------


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))) // 1024 // 1024
    load = os.getloadavg()[0]
    return (f"{os.cpu_count()} cores ({cpu}), {mem} GB RAM, Python {platform.python_version()}, "
            f"{platform.system()}; load average {load:.1f} at the end of the run")


def med(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def versions() -> str:
    import duckdb
    import pyarrow

    parts = [f"DuckDB {duckdb.__version__}", f"pyarrow {pyarrow.__version__}"]
    try:
        import pandas

        parts.append(f"pandas {pandas.__version__}")
    except ImportError:
        pass
    try:
        import pyspark

        parts.append(f"PySpark {pyspark.__version__}")
    except ImportError:
        pass
    return ", ".join(parts)


def report(ctx: dict[str, Any]) -> str:
    duck, pand, floors = ctx["duckdb"], ctx["pandas"], ctx["floor"]
    spark, profile = ctx.get("spark"), ctx.get("profile") or []
    ok_duck = [r for r in duck if "summary" in r]
    ok_pand = [r for r in pand if "result" in r]
    d_med = med(r["seconds"] for r in ok_duck) if ok_duck else float("nan")
    d_rss = max((r["peak_rss_mb"] for r in ok_duck), default=float("nan"))
    p_med = med(r["seconds"] for r in ok_pand) if ok_pand else float("nan")
    p_rss = max((r["peak_rss_mb"] for r in ok_pand), default=float("nan"))
    f_med = med(r["seconds"] for r in floors)
    f_proc = med(r["process_seconds"] for r in floors)
    f_rss = max(r["peak_rss_mb"] for r in floors)
    engine_sum = med(sum(m["seconds"] for m in r["summary"]["models"]) for r in ok_duck) if ok_duck else float("nan")
    rows_pay = ctx["payment_rows"]
    n = ctx["repeat"]
    d_runs = ", ".join(f"{r['seconds']:.1f} ({r['load']:.1f})" for r in duck)
    p_runs = ", ".join(f"{r['seconds']:.1f} ({r['load']:.1f})" for r in pand)
    f_runs = ", ".join(f"{r['seconds']:.1f} ({r['load']:.1f})" for r in floors)
    lines = [
        f"### Detection: all 15 models, {ctx['persons']:,} persons ({rows_pay:,} payment rows, "
        f"{ctx['lake_mb']:,.0f} MB of Parquet)",
        "",
        f"Machine: {ctx['machine']}. {ctx['versions']}. DuckDB: 2 threads, 4 GB memory limit per model "
        "(the defaults). Medians of "
        f"{n} runs measured side by side in one run (`python bench/detect_bench.py --persons {ctx['persons']} "
        f"--repeat {n}`); each run is a fresh process, wall time and peak RSS via `os.wait4`.",
        "",
        "| run | wall (median) | runs: s (load average at start) | peak RSS | ÷ DuckDB |",
        "|---|---:|---|---:|---:|",
        f"| DuckDB: `mingjing detect --json` end to end (15 models, hits stored, alerts synced) | {d_med:.1f} s | "
        f"{d_runs} | {d_rss:,.0f} MB | 1.0× |",
        f"| … of which the engine (sum of per-model seconds) | {engine_sum:.1f} s | | | {engine_sum / d_med:.2f}× |",
        f"| pandas reference (`bench/pandas_reference.py`, fresh process) | {p_med:.1f} s | "
        f"{p_runs} | {p_rss:,.0f} MB | {p_med / d_med:.1f}× |",
        f"| floor: one DuckDB scan of every used input column (query time) | {f_med:.1f} s | "
        f"{f_runs} | {f_rss:,.0f} MB | {f_med / d_med:.2f}× |",
        f"| … the same, process wall time | {f_proc:.1f} s | | | {f_proc / d_med:.2f}× |",
    ]
    if spark:
        if "summary" in spark:
            lines.append(f"| Spark local[2]: `mingjing detect --engine spark --json` (once) | {spark['seconds']:.1f} s | "
                         f"{spark['seconds']:.1f} | {spark['peak_rss_mb']:,.0f} MB (largest process) | "
                         f"{spark['seconds'] / d_med:.1f}× |")
        else:
            lines.append(f"| Spark local[2] (once) | did not finish: {spark['error'].splitlines()[0][:120]} | "
                         f"{spark['seconds']:.0f} | | |")
    lines += [
        "",
        f"DuckDB end to end is {d_med / f_med:.1f}× the floor scan; pandas takes {p_med / d_med:.1f}× as long as "
        f"DuckDB (pandas: {ctx['pandas_load']:.1f} s of its median run reading and converting the Parquet files).",
        "",
        "| target (issue) | measured | met |",
        "|---|---:|:---:|",
        f"| all 15 models on DuckDB end to end ≤ {TARGETS['seconds']:.0f} s | {d_med:.1f} s | "
        f"{'yes' if d_med <= TARGETS['seconds'] else 'no'} |",
        f"| peak RSS ≤ 6 GB | {d_rss:,.0f} MB | {'yes' if d_rss <= TARGETS['rss_mb'] else 'no'} |",
        f"| ≥ 10× faster than pandas | {p_med / d_med:.1f}× | {'yes' if p_med / d_med >= TARGETS['speedup'] else 'no'} |",
        f"| same hits as the pandas reference | {ctx['same_pandas']} | {'yes' if ctx['same_pandas'] == 'same' else 'no'} |",
        "",
    ]
    # per model
    models = [m["model"] for m in ok_duck[0]["summary"]["models"]] if ok_duck else []
    duck_sec = {m: med(next(x["seconds"] for x in r["summary"]["models"] if x["model"] == m) for r in ok_duck)
                for m in models}
    info = {x["model"]: x for x in ok_duck[0]["summary"]["models"]} if ok_duck else {}
    pand_sec = {m: med(r["result"]["timings"].get(m, float("nan")) for r in ok_pand) for m in models} if ok_pand else {}
    spark_sec = ({x["model"]: x["seconds"] for x in spark["summary"]["models"]}
                 if spark and "summary" in spark else {})
    prof = {p["model"]: p for p in profile}
    header = ("| model | examined | rows | hits | DuckDB s (median) | profile: total | query | aggregate | "
              "evidence | pandas s | Spark s | hits = pandas | hits = planted |")
    lines += [header, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|:---:|"]
    for m in models:
        p = prof.get(m, {})
        same_p = "yes" if not [k for k in ctx["diff_pandas_models"] if k == m] else "**no**"
        same_m = "yes" if not [k for k in ctx["diff_manifest_models"] if k == m] else "**no**"
        lines.append(
            f"| {m} | {info[m]['examined']:,} | {info[m]['rows']:,} | {info[m]['hits']} | {duck_sec[m]:.2f} | "
            f"{p.get('total', float('nan')):.2f} | {p.get('query', float('nan')):.2f} | {p.get('aggregate', float('nan')):.2f} | "
            f"{p.get('evidence', float('nan')):.2f} | {pand_sec.get(m, float('nan')):.2f} | "
            f"{spark_sec.get(m, float('nan')):.1f} | {same_p} | {same_m} |"
        )
    profile_total = sum(p["total"] for p in profile)
    lines += [
        "",
        "profile: one more pass of each model on DuckDB, after the runs above, timing its phases: total "
        "(compile, views, count of examined records, query, aggregation, evidence), the rule's query, "
        "its rows grouped to hits in Python, the evidence queries"
        + (f"; all 15 models {profile_total:.1f} s in that pass." if profile else ".")
        + " pandas s: that model's own work, after the one shared load of all datasets.",
        f"Floor per dataset (s): {', '.join(f'{k} {v:.2f}' for k, v in sorted(floors[0]['per_dataset'].items()))}.",
        "",
    ]
    for title, diff in (("pandas reference", ctx["diff_pandas"]), ("Spark", ctx.get("diff_spark")),
                        ("planted hits (manifest)", ctx["diff_manifest"])):
        if diff is None:
            continue
        if diff:
            lines.append(f"Differences, DuckDB vs {title} ({len(diff)}):")
            lines += [f"- {d}" for d in diff[:40]]
            if len(diff) > 40:
                lines.append(f"- … and {len(diff) - 40} more")
        else:
            lines.append(f"DuckDB vs {title}: same hits ({ctx['hit_count']} hits, model + grain key + level).")
    if ctx.get("setup"):
        lines += ["", ctx["setup"]]
    return "\n".join(lines) + "\n"


# -- main ------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-spark", action="store_true", help="skip the Spark run")
    parser.add_argument("--spark-timeout", type=float, default=3600, help="seconds before the Spark run is stopped")
    parser.add_argument("--no-profile", action="store_true", help="skip the per-model phase breakdown")
    parser.add_argument("--markdown", type=Path, help="also write the Markdown report to this file")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)

    county, manifest, gen_seconds = ensure_county(args.persons, args.seed)
    home, load_seconds, load_rss = ensure_home(args.persons, county)
    snapshot = active_snapshot(home)
    work = Path(tempfile.mkdtemp(prefix="detect-bench-", dir=OUT))
    snapshot_file = work / "snapshot.json"
    snapshot_file.write_text(json.dumps(snapshot))
    spec_file = work / "floor.json"
    spec_file.write_text(json.dumps(floor_spec(snapshot, used_columns())))

    import pyarrow.parquet as pq

    payment_rows = sum(pq.ParquetFile(f).metadata.num_rows for f in snapshot.get("payments", []))
    lake_mb = sum(Path(f).stat().st_size for files in snapshot.values() for f in files) / 1e6
    print(f"county: {args.persons:,} persons, {payment_rows:,} payment rows, {lake_mb:,.0f} MB of Parquet", flush=True)

    duck: list[dict[str, Any]] = []
    pand: list[dict[str, Any]] = []
    floors: list[dict[str, Any]] = []
    for i in range(args.repeat):
        d = detect(home, "duckdb")
        duck.append(d)
        print(f"[{i + 1}/{args.repeat}] DuckDB detect: {d['seconds']:.1f} s, peak {d['peak_rss_mb']:,.0f} MB"
              + (f"  ERROR {d['error']}" if "error" in d else ""), flush=True)
        p = pandas_run(snapshot_file, work / f"pandas-{i}.json")
        pand.append(p)
        print(f"[{i + 1}/{args.repeat}] pandas: {p['seconds']:.1f} s, peak {p['peak_rss_mb']:,.0f} MB"
              + (f"  ERROR {p['error'][-300:]}" if "error" in p else ""), flush=True)
        f = floor_run(spec_file)
        floors.append(f)
        print(f"[{i + 1}/{args.repeat}] floor scan: {f['seconds']:.1f} s (process {f['process_seconds']:.1f} s), "
              f"peak {f['peak_rss_mb']:,.0f} MB", flush=True)

    grains = grain()
    ok_duck = [r for r in duck if "summary" in r]
    if not ok_duck:
        raise SystemExit("every DuckDB run failed")
    last_duck = ok_duck[-1]
    duck_hits = stored_hits(home, last_duck["summary"]["run_id"], grains)

    spark = None
    diff_spark = None
    if not args.no_spark:
        print("Spark detect (once) ...", flush=True)
        spark = detect(home, "spark", timeout=args.spark_timeout)
        print(f"Spark detect: {spark['seconds']:.1f} s, peak {spark['peak_rss_mb']:,.0f} MB"
              + (f"  ERROR {spark['error']}" if "error" in spark else ""), flush=True)
        if "summary" in spark:
            diff_spark = differences("DuckDB", duck_hits, "Spark",
                                     stored_hits(home, spark["summary"]["run_id"], grains))

    profile = [] if args.no_profile else profile_run(snapshot_file)

    ok_pand = [r for r in pand if "result" in r]
    if ok_pand:
        ref = pandas_hits(ok_pand[-1]["result"])
        diff_pandas = differences("DuckDB", duck_hits, "pandas", ref)
        pandas_load = med(r["result"]["timings"]["load"] for r in ok_pand)
    else:
        diff_pandas, pandas_load = ["the pandas reference failed: " + pand[-1]["error"][-500:]], float("nan")
    planted = manifest_hits(manifest, grains)
    diff_manifest = differences("DuckDB", duck_hits, "planted", planted)

    setup = (f"Setup (not timed above): county generated in "
             f"{'an earlier run' if gen_seconds is None else f'{gen_seconds:.0f} s'}, imported with "
             f"`mingjing demo load` in {'an earlier run' if load_seconds is None else f'{load_seconds:.0f} s'}"
             + (f" (peak {load_rss:,.0f} MB)" if load_rss else "") + ".")
    ctx = {
        "persons": args.persons, "repeat": args.repeat, "payment_rows": payment_rows, "lake_mb": lake_mb,
        "machine": machine(), "versions": versions(), "duckdb": duck, "pandas": pand, "floor": floors,
        "spark": spark, "profile": profile, "pandas_load": pandas_load,
        "diff_pandas": diff_pandas, "diff_spark": diff_spark, "diff_manifest": diff_manifest,
        "diff_pandas_models": [d.split()[0] for d in diff_pandas],
        "diff_manifest_models": [d.split()[0] for d in diff_manifest],
        "same_pandas": "same" if not diff_pandas else f"{len(diff_pandas)} differences",
        "hit_count": len(duck_hits), "setup": setup,
    }
    text = report(ctx)
    (work / "raw.json").write_text(json.dumps(ctx, ensure_ascii=False, default=str, indent=1))
    print("\n" + text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    print(f"raw measurements: {work / 'raw.json'}")


if __name__ == "__main__":
    main()
