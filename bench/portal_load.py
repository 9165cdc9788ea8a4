"""Loopback load test of the public portal behind a real WSGI server (gunicorn).

    python bench/portal_load.py [--home DIR] [--seconds 60] [--clients 16] [--workers 3]

Serves an instance whose home already holds a county (default: a fresh demo county of 3,000
persons made with `mingjing demo up --no-serve`), then keeps `--clients` threads requesting public
pages in a loop over keep-alive connections for `--seconds`: the county index, township pages,
village pages (the QR codes' target), the disclosure sections, the subsidy index, the
micro-power list. Prints requests per second, latency percentiles and every non-200 answer; exits
non-zero if any request failed. The client runs on the same two cores as the server, so the
figure is a floor for what a separate client would measure.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare_home(home: Path) -> None:
    env = {**os.environ, "MINGJING_HOME": str(home)}
    subprocess.run([str(BIN / "mingjing"), "demo", "up", "--no-serve"], env=env, check=True,
                   stdout=subprocess.DEVNULL)


def public_paths(home: Path) -> tuple[list[str], int]:
    """The public paths to request (by route name, so they follow the URL configuration)."""
    env = {**os.environ, "MINGJING_HOME": str(home), "DJANGO_SETTINGS_MODULE": "mingjing.settings"}
    code = """
import django; django.setup()
from django.urls import reverse
from mingjing.portal.public import places, townships
villages = sorted(places())
paths = [reverse("portal:index"), reverse("portal:index") + "?q=%E6%9D%91"]
paths += [reverse("portal:township", args=[t]) for t in townships()]
for v in villages:
    paths += [reverse("portal:village", args=[v])] * 2
    paths += [reverse("portal:disclosures", args=[v, s]) for s in ("finance", "village")]
    paths += [reverse("portal:subsidies", args=[v]), reverse("portal:power", args=[v])]
print(len(villages)); print("\\n".join(paths))
"""
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    first, *paths = out.stdout.split("\n")
    return [p for p in paths if p], int(first)


def client_loop(port: int, paths: list[str], stop: float, latencies: list[float], failures: Counter[str],
                lock: threading.Lock, seed: int) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    mine: list[float] = []
    bad: Counter[str] = Counter()
    while time.monotonic() < stop:
        path = rng.choice(paths)
        started = time.perf_counter()
        try:
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
    with lock:
        latencies.extend(mine)
        failures.update(bad)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, help="an instance home with a county (default: a fresh demo county)")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--cold", action="store_true",
                        help="measure from cold: no warm-up pass (every page rendered at its first request)")
    args = parser.parse_args()

    own_home = args.home is None
    home = args.home or Path(tempfile.mkdtemp(prefix="mingjing-load-"))
    try:
        if own_home:
            print("preparing a demo county in", home, flush=True)
            prepare_home(home)
        paths, villages = public_paths(home)
        port = free_port()
        env = {**os.environ, "MINGJING_HOME": str(home), "ALLOWED_HOSTS": "127.0.0.1"}
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
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                for path in paths * args.workers:  # without Redis each worker has its own cache
                    conn.request("GET", path)
                    conn.getresponse().read()
                conn.close()
            print(f"warm-up: {time.monotonic() - warm:.1f} s", flush=True)
            latencies: list[float] = []
            failures: Counter[str] = Counter()
            lock = threading.Lock()
            started = time.monotonic()
            stop = started + args.seconds
            threads = [threading.Thread(target=client_loop, args=(port, paths, stop, latencies, failures, lock, i))
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

    latencies.sort()
    n = len(latencies)

    def pct(p: float) -> float:
        return latencies[min(n - 1, int(p * n))] * 1000

    print(f"{n} requests in {elapsed:.1f} s: {n / elapsed:.0f} requests/s over {len(paths)} public paths{' from cold' if args.cold else ''} "
          f"({villages} villages), {args.clients} clients, gunicorn {args.workers} workers × {args.threads} threads")
    print(f"latency ms: median {statistics.median(latencies) * 1000:.1f}, p95 {pct(0.95):.1f}, "
          f"p99 {pct(0.99):.1f}, max {latencies[-1] * 1000:.1f}")
    print(f"failed: {sum(failures.values())}")
    for what, count in failures.most_common(10):
        print(f"  {count} × {what}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
