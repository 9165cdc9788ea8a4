"""`mingjing worker`: run the background worker: imports, detection runs, and the deadline sweep.

A thin wrapper around django-tasks-db's `db_worker` with this project's defaults: every queue,
a one-second poll, no autoreload (a reload would kill an import half-way). `--batch` processes
everything queued and exits, for cron jobs, scripts and tests. A long-running worker also runs
the alert sweep (`mingjing sweep`) every `--sweep-every` minutes in a background thread, and
after it the audit trail's checkpoint once a day (`mingjing audit checkpoint --if-due`).
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

logger = logging.getLogger("mingjing.worker")

_SIGNALS = [s for s in ("SIGINT", "SIGTERM", "SIGQUIT") if hasattr(signal, s)]


class Command(BaseCommand):
    help = "Run the background worker: imports and other queued tasks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch", action="store_true", help="process every queued task, then exit"
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="seconds between polls when idle (default: 1)",
        )
        parser.add_argument(
            "--queue-name", default="*", help="queues to process, comma separated (default: all)"
        )
        parser.add_argument(
            "--max-tasks", type=int, default=None, help="exit after this many tasks"
        )
        parser.add_argument(
            "--reload", action="store_true", help="restart on code changes (development only)"
        )
        parser.add_argument(
            "--sweep-every", type=float, default=10.0,
            help="minutes between alert sweeps (escalation, talks); 0 to leave it to cron (default: 10)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        worker_options: dict[str, Any] = {
            "queue_name": options["queue_name"],
            "interval": options["interval"],
            "batch": options["batch"],
            "reload": options["reload"] and not options["batch"],
            # The random start-up delay spreads a fleet of workers; a one-off run needs none.
            "startup_delay": not options["batch"],
            "verbosity": options["verbosity"],
            "stdout": self.stdout,
            "stderr": self.stderr,
        }
        if options["max_tasks"] is not None:
            worker_options["max_tasks"] = options["max_tasks"]
        # db_worker installs its own signal handlers; put ours back when it returns, so a
        # `--batch` run inside another process (a test, a script) leaves it as it was.
        saved = {name: signal.getsignal(getattr(signal, name)) for name in _SIGNALS}
        stop = threading.Event()
        if options["sweep_every"] > 0 and not options["batch"]:
            threading.Thread(target=_sweep_loop, args=(options["sweep_every"] * 60, stop), daemon=True).start()
        try:
            call_command("db_worker", **worker_options)
        finally:
            stop.set()
            for name, handler in saved.items():
                if handler is not None:
                    signal.signal(getattr(signal, name), handler)


def _sweep_loop(seconds: float, stop: threading.Event) -> None:
    """Every `seconds`: each periodic job in turn (one failing never stops the others), then the
    audit trail's daily checkpoint, which covers what the jobs recorded."""
    from mingjing.alerts import actions as alerts
    from mingjing.audit.actions import do_checkpoint_if_due
    from mingjing.complaints import actions as complaints
    from mingjing.complaints import triage
    from mingjing.portal import disclosures, subscriptions

    jobs = (
        ("sweep", lambda: alerts.do_sweep()),  # overdue alerts escalated, talk tasks
        ("subscribers' failed messages sent again", lambda: subscriptions.retry_failed()),
        ("disclosure sweep", lambda: disclosures.do_disclosure_sweep_if_due()),  # daily: overdue 三务公开 → GK01
        ("complaint sweep", lambda: complaints.do_complaint_sweep()),  # overdue complaints escalated, ratings closed
        ("category suggestions retrained", lambda: triage.retrain_from_db()),  # only when staff decided more
    )
    while not stop.wait(seconds):
        try:
            for name, job in jobs:
                try:
                    outcome = job()
                    if outcome is not None:
                        logger.info("%s: %s", name, outcome)
                except Exception:
                    logger.exception("%s failed", name)
        finally:
            do_checkpoint_if_due()  # logs, never raises
            connection.close()  # this thread's own connection
