"""Visits per village and day, counted without storing who visited.

Counting in the database on every page view would make every public request a write; instead
each process adds up its views in memory and writes them at most every `FLUSH_SECONDS` (and at
exit), one UPDATE per village and day. A crash loses at most those seconds of counts.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import threading
import time

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from mingjing.portal.models import Visit

FLUSH_SECONDS = 5.0

_lock = threading.Lock()
_pending: dict[tuple[str, dt.date], int] = {}
_last_flush = time.monotonic()


def count(village_code: str) -> None:
    """One page view of a village's pages, today (local date)."""
    global _last_flush
    key = (village_code, timezone.localdate())
    with _lock:
        _pending[key] = _pending.get(key, 0) + 1
        due = time.monotonic() - _last_flush >= FLUSH_SECONDS
        if due:
            _last_flush = time.monotonic()
    if due:
        flush()


def flush() -> None:
    """Write what this process has counted (also called by the cockpit before it reads)."""
    with _lock:
        pending = dict(_pending)
        _pending.clear()
    if not pending:
        return
    try:
        with transaction.atomic():
            for (code, day), n in sorted(pending.items()):
                if not Visit.objects.filter(village_code=code, day=day).update(count=F("count") + n):
                    visit, created = Visit.objects.get_or_create(village_code=code, day=day, defaults={"count": n})
                    if not created:
                        Visit.objects.filter(pk=visit.pk).update(count=F("count") + n)
    except Exception:  # the database is unavailable: keep the counts for the next flush
        with _lock:
            for key, n in pending.items():
                _pending[key] = _pending.get(key, 0) + n
        raise


def discard() -> None:
    """Forget what is pending (tests: each starts with nothing counted)."""
    with _lock:
        _pending.clear()


def _flush_at_exit() -> None:
    with contextlib.suppress(Exception):  # nothing to report to at exit
        flush()


atexit.register(_flush_at_exit)
