"""Portal benchmark: self-lookup and a village's payment list on the 1M-person demo county.

    python bench/portal_bench.py [--persons 1000000] [--lookups 1000] [--lists 500] [--pages 200]
                                 [--rebuild] [--markdown FILE]

Steps: 1. the county and its home as `bench/detect_bench.py` makes them (bench/out/detect-county-N,
bench/out/detect-home-N; generated and imported when missing, which takes a while); 2. the portal
index (`mingjing/portal/payments.py`) built once, timed (`--rebuild` removes it first); 3. in this
one warm process, side by side: the lake reads of a self-lookup (`person_payments` +
`may_be_eligible`) for random known ID numbers and for unknown valid ones, a village's payment
list (`village_list`: rows, total, added and dropped) for random (village, programme, period), and
a village's publication index (`village_periods`); 4. the same through the whole Django stack
(test client, no network): the lookup POST with the right factor (form, guard, audit entry, pass,
template) and the list page GET. Medians and p95 in milliseconds; Markdown to stdout and
`--markdown`.

Step 4 writes to the bench home's database (audit entries `portal.lookup`, lookup passes): that
home is a benchmark artefact (bench/out/ is not in git). Timings depend on the machine and its
load; the load average is printed with them. Nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TARGETS = {"lookup_p95_ms": 50.0, "list_p95_ms": 150.0}


def timed(func: Callable[[Any], object], args: Sequence[Any]) -> list[float]:
    out = []
    for arg in args:
        start = time.perf_counter()
        func(arg)
        out.append((time.perf_counter() - start) * 1000)
    return out


def summary(ms: list[float]) -> tuple[float, float, float]:
    ordered = sorted(ms)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], ordered[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--lists", type=int, default=500)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--rebuild", action="store_true", help="remove the portal index first")
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()

    import detect_bench

    county, _, _ = detect_bench.ensure_county(args.persons, args.seed)
    home, _, _ = detect_bench.ensure_home(args.persons, county)
    os.environ["MINGJING_HOME"] = str(home)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mingjing.settings")
    import django

    django.setup()
    import duckdb
    from django.conf import settings
    from django.test import Client

    from mingjing.portal import payments

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.PORTAL_LOOKUPS_PER_MINUTE = 10**9  # the bench is one client; the limit is tested elsewhere
    if args.rebuild:
        shutil.rmtree(payments.index_dir(), ignore_errors=True)
    start = time.perf_counter()
    path = payments.ensure_index()
    build_s = time.perf_counter() - start
    built = args.rebuild or build_s > 5

    rnd = random.Random(args.seed)
    cur = payments._index.cursor()
    counts = dict(zip(("rows", "people", "villages"), cur.execute(
        "SELECT (SELECT count(*) FROM pay_village), (SELECT count(DISTINCT k) FROM pay_person), "
        "(SELECT count(DISTINCT r) FROM village_periods)").fetchall()[0], strict=True))
    known = cur.execute("SELECT id_number, any_value(name), any_value(account_no) FROM "
                        f"(SELECT * FROM pay_person USING SAMPLE reservoir({int(args.lookups)} ROWS) REPEATABLE (1)) "
                        "GROUP BY id_number").fetchall()
    from mingjing.demo.ids import make_id

    prefix = known[0][0][:6]  # the county's own prefix: unknown numbers look like its people's
    candidates = [make_id(prefix, dt.date(1950, 1, 1) + dt.timedelta(days=rnd.randrange(20000)), rnd.randrange(1000))
                  for _ in range(max(50, args.lookups // 5))]
    paid = {r[0] for r in cur.execute("SELECT id_number FROM pay_person WHERE id_number IN (SELECT unnest(?))",
                                      [candidates]).fetchall()}
    unknown = [n for n in candidates if n not in paid]
    lists = [(f"{r:012d}", p, d) for r, p, d in cur.execute(
        f"SELECT r, program_code, period FROM village_periods USING SAMPLE reservoir({int(args.lists)} ROWS) "
        "REPEATABLE (1)").fetchall()]
    villages = sorted({v for v, _, _ in lists})

    def lookup_reads(id_number: str) -> None:
        payments.person_payments(id_number)
        payments.may_be_eligible(id_number)

    timed(lookup_reads, [k[0] for k in known[:50]])  # warm: the index's pages in the page cache
    results: dict[str, list[float]] = {
        "self-lookup reads, known ID (`person_payments` + `may_be_eligible`)": timed(lookup_reads, [k[0] for k in known]),
        "self-lookup reads, unknown ID": timed(lookup_reads, unknown),
        "village payment list (`village_list`: 200 rows, total, added/dropped)":
            timed(lambda a: payments.village_list(*a), lists),
        "village publication index (`village_periods`)": timed(payments.village_periods, villages),
    }
    client = Client()
    rnd.shuffle(known)
    page_lookups = [k for k in known if k[2] and len(k[2]) >= 4][: args.pages]

    def lookup_page(row: tuple[str, str, str]) -> None:
        id_number, name, account = row
        village = rnd.choice(villages)
        response = client.post(f"/v/{village}/lookup/", {"id_number": id_number, "name": name,
                                                        "account_last4": account[-4:]},
                               REMOTE_ADDR=f"10.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(256)}")
        assert response.status_code == 200 and b"name=\"pass\"" in response.content, response.status_code

    def list_page(item: tuple[str, str, dt.date]) -> None:
        village, program, period = item
        response = client.get(f"/v/{village}/subsidies/{program}/{period:%Y-%m}/")
        assert response.status_code == 200, response.status_code

    def refused_page(row: tuple[str, str]) -> None:
        id_number, name = row
        response = client.post(f"/v/{rnd.choice(villages)}/lookup/", {"id_number": id_number, "name": name,
                                                                     "account_last4": "0000"},
                               REMOTE_ADDR=f"10.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(256)}")
        assert response.status_code == 200 and b"name=\"pass\"" not in response.content, response.status_code

    lookup_page(page_lookups[0])
    results["self-lookup page: POST, right factor (Django test client, whole stack)"] = timed(lookup_page, page_lookups)
    wrong = [(k[0], k[1]) for k in known[args.pages: 2 * args.pages] if not (k[2] or "").endswith("0000")]
    results["self-lookup page: POST, wrong account digits (refused)"] = timed(refused_page, wrong)
    results["self-lookup page: POST, unknown ID number (refused)"] = timed(
        refused_page, [(n, k[1]) for n, k in zip(unknown, known, strict=False)][: len(wrong)])
    results["village payment list page: GET (Django test client, whole stack)"] = timed(list_page, lists[: args.pages])

    load = os.getloadavg()[0]
    lines = [
        "## Portal (issue 10): self-lookup and payment lists\n",
        f"`python bench/portal_bench.py --persons {args.persons}` ({dt.date.today():%Y-%m-%d}): the demo county "
        f"of {args.persons:,} persons, {counts['rows']:,} payment rows, {counts['people']:,} people paid, "
        f"{counts['villages']:,} villages. One warm process; random known ID numbers, unknown valid ones, and "
        f"random (village, programme, period) lists. The portal index "
        f"({path.stat().st_size / 1e6:,.0f} MB DuckDB file) "
        + (f"was built in {build_s:.0f} s in this run." if built else "was already built.") + "\n",
        f"Machine: {os.cpu_count()} cores ({platform.processor() or platform.machine()}), "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB RAM, Python "
        f"{platform.python_version()}, DuckDB {duckdb.__version__}, {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}; "
        f"load average {load:.1f} at the end of the run.\n",
        "| measured | n | median ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, ms in results.items():
        median, p95, worst = summary(ms)
        lines.append(f"| {name} | {len(ms)} | {median:.1f} | {p95:.1f} | {worst:.1f} |")
    lookup_p95 = summary(results["self-lookup page: POST, right factor (Django test client, whole stack)"])[1]
    list_p95 = summary(results["village payment list page: GET (Django test client, whole stack)"])[1]
    lines += [
        "",
        "| target (issue 10) | measured (whole page) | met |",
        "|---|---:|:---:|",
        f"| self-lookup p95 ≤ {TARGETS['lookup_p95_ms']:.0f} ms | {lookup_p95:.1f} ms | "
        f"{'yes' if lookup_p95 <= TARGETS['lookup_p95_ms'] else 'no'} |",
        f"| village payment list p95 ≤ {TARGETS['list_p95_ms']:.0f} ms | {list_p95:.1f} ms | "
        f"{'yes' if list_p95 <= TARGETS['list_p95_ms'] else 'no'} |",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
