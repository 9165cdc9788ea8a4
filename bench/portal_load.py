"""Loopback load test of the public portal behind a real WSGI server (gunicorn).

    python bench/portal_load.py [--home DIR] [--seconds 60] [--clients 16] [--workers 3] [--filings 0.05]

Serves an instance whose home already holds a county (default: a fresh demo county of 3,000
persons made with `mingjing demo up --no-serve`), then keeps `--clients` threads requesting public
pages in a loop over keep-alive connections for `--seconds`: the county index, township pages,
village pages (the QR codes' target), the disclosure sections, the subsidy index, the
micro-power list, a village's published complaint answers and public questions. A share
`--filings` of the loop's turns files a complaint instead, as a browser does: GET the filing form
(a page like the others, which sets the CSRF cookie), then POST it with the form's CSRF token
(anonymous, a synthetic text of `triage_samples`, no photo); the filing POSTs (scrypt hash, PNG
slip) are reported on their own. The per-client filing limit is lifted for the server
(MINGJING_COMPLAINT_FILINGS_PER_HOUR): every thread files from 127.0.0.1. Prints requests per
second, latency percentiles and every unexpected answer; exits non-zero if any request failed. The
client runs on the same two cores as the server, so the figure is a floor for what a separate
client would measure.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
CSRF_COOKIE = re.compile(r"csrftoken=([^;]+)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare_home(home: Path) -> None:
    env = {**os.environ, "MINGJING_HOME": str(home)}
    subprocess.run([str(BIN / "mingjing"), "demo", "up", "--no-serve"], env=env, check=True,
                   stdout=subprocess.DEVNULL)


def public_paths(home: Path) -> tuple[list[str], list[str], int]:
    """The public paths to request and the villages' filing forms (by route name, so they follow
    the URL configuration; features whose routes are missing are left out)."""
    env = {**os.environ, "MINGJING_HOME": str(home), "DJANGO_SETTINGS_MODULE": "mingjing.settings"}
    code = """
import django; django.setup()
from django.urls import NoReverseMatch, reverse
from mingjing.portal.public import places, townships
def optional(name, *args):
    try:
        return [reverse(name, args=args)]
    except NoReverseMatch:
        return []
villages = sorted(places())
paths = [reverse("portal:index"), reverse("portal:index") + "?q=%E6%9D%91"]
paths += [reverse("portal:township", args=[t]) for t in townships()]
forms = []
for v in villages:
    paths += [reverse("portal:village", args=[v])] * 2
    paths += [reverse("portal:disclosures", args=[v, s]) for s in ("finance", "village")]
    paths += [reverse("portal:subsidies", args=[v]), reverse("portal:power", args=[v])]
    paths += optional("portal:complaint_answers", v) + optional("portal:question_list", v)
    forms += optional("portal:complaint_new", v)
print(len(villages)); print(" ".join(forms)); print("\\n".join(paths))
"""
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    first, forms, *paths = out.stdout.split("\n")
    return [p for p in paths if p], forms.split(), int(first)


@dataclass
class Tally:
    """What the clients measured, merged under `lock` when each finishes."""

    latencies: list[float] = field(default_factory=list)  # every GET (the filing forms included)
    filings: list[float] = field(default_factory=list)  # the filing POSTs
    failures: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def file_complaint(conn: http.client.HTTPConnection, form_path: str, text: str) -> tuple[str, float]:
    """GET the form (its latency counts as a page), then POST it with the CSRF token and cookie.
    Returns "" or what went wrong, and the POST's latency."""
    conn.request("GET", form_path, headers={"Accept-Language": "zh-CN"})
    response = conn.getresponse()
    page = response.read()
    token = CSRF_INPUT.search(page)
    cookie = CSRF_COOKIE.search(response.getheader("Set-Cookie", "") or "")
    if response.status != 200 or token is None or cookie is None:
        return f"{response.status} GET {form_path} (no CSRF token)", 0.0
    body = urlencode({"csrfmiddlewaretoken": token.group(1).decode(), "channel": "complaint", "category": "",
                      "text": text, "people": "", "project": "", "identity": "anonymous"})
    started = time.perf_counter()
    conn.request("POST", form_path, body=body, headers={
        "Accept-Language": "zh-CN", "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={cookie.group(1)}"})
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    return ("" if response.status == 200 else f"{response.status} POST {form_path}"), elapsed


def client_loop(port: int, paths: list[str], forms: list[str], share: float, texts: list[str], stop: float,
                tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    mine: list[float] = []
    filed: list[float] = []
    bad: Counter[str] = Counter()
    while time.monotonic() < stop:
        filing = bool(forms) and rng.random() < share
        path = rng.choice(forms) if filing else rng.choice(paths)
        started = time.perf_counter()
        try:
            if filing:
                problem, post = file_complaint(conn, path, rng.choice(texts))
                if problem:
                    bad[problem] += 1
                else:
                    filed.append(post)
                mine.append(time.perf_counter() - started - post)  # the form's GET
                conn.close()  # a fresh connection after a filing, whatever its answers said (microseconds here)
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            conn.request("GET", path, headers={"Accept-Language": "zh-CN"})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                bad[f"{response.status} {path}"] += 1
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        except (OSError, http.client.HTTPException) as exc:
            bad[f"{type(exc).__name__} {path}"] += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine.append(time.perf_counter() - started)
    conn.close()
    with tally.lock:
        tally.latencies.extend(mine)
        tally.filings.extend(filed)
        tally.failures.update(bad)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, help="an instance home with a county (default: a fresh demo county)")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--cold", action="store_true",
                        help="measure from cold: no warm-up pass (every page rendered at its first request)")
    parser.add_argument("--filings", type=float, default=0.05,
                        help="share of turns that file a complaint (GET the form, POST it); 0 for pages only")
    args = parser.parse_args()
    from mingjing.complaints.triage_samples import samples

    texts = [text for text, _ in samples(500, seed=11)]

    own_home = args.home is None
    home = args.home or Path(tempfile.mkdtemp(prefix="mingjing-load-"))
    try:
        if own_home:
            print("preparing a demo county in", home, flush=True)
            prepare_home(home)
        paths, forms, villages = public_paths(home)
        forms = forms if args.filings > 0 else []
        port = free_port()
        env = {**os.environ, "MINGJING_HOME": str(home), "ALLOWED_HOSTS": "127.0.0.1",
               "MINGJING_COMPLAINT_FILINGS_PER_HOUR": "1000000000"}  # all clients file from 127.0.0.1
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "mingjing.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
             "--worker-class", "gthread", "--threads", str(args.threads), "--keep-alive", "30",
             "--log-level", "warning"],
            cwd=ROOT, env=env)
        try:
            for _ in range(100):  # wait for the server
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                        break
                except OSError:
                    time.sleep(0.1)
            warm = time.monotonic()
            if not args.cold:  # steady state: every page requested once before the clock starts
                # A worker loads the application at its first request: slow on a busy machine.
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=180)
                for path in paths * args.workers:  # without Redis each worker has its own cache
                    conn.request("GET", path)
                    conn.getresponse().read()
                conn.close()
                # A worker's first filing loads the category classifier (scikit-learn) and the slip's
                # font: a few filings, each on a new connection so that they spread over the workers.
                for path in (forms * 3 * args.workers)[: 3 * args.workers]:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=180)
                    file_complaint(conn, path, texts[0])
                    conn.close()
            print(f"warm-up: {time.monotonic() - warm:.1f} s", flush=True)
            tally = Tally()
            started = time.monotonic()
            stop = started + args.seconds
            threads = [threading.Thread(target=client_loop,
                                        args=(port, paths, forms, args.filings, texts, stop, tally, i))
                       for i in range(args.clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.monotonic() - started
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    finally:
        if own_home:
            shutil.rmtree(home, ignore_errors=True)

    latencies, failures = sorted(tally.latencies), tally.failures
    n = len(latencies)

    def pct(values: list[float], p: float) -> float:
        return values[min(len(values) - 1, int(p * len(values)))] * 1000

    def line(values: list[float]) -> str:
        return (f"median {statistics.median(values) * 1000:.1f}, p95 {pct(values, 0.95):.1f}, "
                f"p99 {pct(values, 0.99):.1f}, max {values[-1] * 1000:.1f}")

    filings = sorted(tally.filings)
    mix = f", {args.filings:.0%} of turns filing a complaint" if forms else ""
    print(f"{n} page requests in {elapsed:.1f} s: {n / elapsed:.0f} requests/s over {len(paths)} public paths"
          f"{' from cold' if args.cold else ''} ({villages} villages){mix}, {args.clients} clients, "
          f"gunicorn {args.workers} workers × {args.threads} threads")
    print(f"page latency ms: {line(latencies)}")
    if filings:
        print(f"{len(filings)} complaints filed ({len(filings) / elapsed:.1f}/s): filing POST latency ms: {line(filings)}")
    elif forms:
        print("no complaint was filed")
    print(f"failed: {sum(failures.values())}")
    for what, count in failures.most_common(10):
        print(f"  {count} × {what}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
