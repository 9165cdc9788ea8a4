"""Writing to and checking the trail. Every other app records through `record`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from mingjing.audit.models import AuditEntry

GENESIS = "0" * 64


def _digest(prev_hash: str, entry: dict[str, Any]) -> str:
    body = json.dumps(entry, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()


def _fields(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(),
        "actor": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "detail": json.loads(json.dumps(entry.detail, cls=DjangoJSONEncoder)),
    }


def record(
    action: str,
    *,
    actor: User | None = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry, chained to the last one. Runs inside the caller's transaction if any.

    Steps: 1. lock the chain's tail (a row lock on PostgreSQL; SQLite's write transaction is
    already exclusive); 2. hash this entry with the tail's hash; 3. insert.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    with transaction.atomic():
        tail = AuditEntry.objects.select_for_update().order_by("-id").only("hash").first()
        entry = AuditEntry(
            at=timezone.now(),
            actor=actor if actor is not None and actor.is_authenticated else None,
            actor_name=actor.get_username() if actor is not None and actor.is_authenticated else "",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            detail=detail or {},
            prev_hash=tail.hash if tail else GENESIS,
        )
        entry.hash = _digest(entry.prev_hash, _fields(entry))
        entry.save()
    return entry


@dataclass
class Verdict:
    ok: bool
    checked: int
    first_bad: int | None = None  # id of the first entry whose hash or link does not hold
    reason: str = ""


def verify() -> Verdict:
    """Recompute the chain from the start. An edited entry fails its own hash; a deleted one breaks
    the next entry's link to its predecessor."""
    prev = GENESIS
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != prev:
            return Verdict(False, checked, entry.pk,
                           f"第 {entry.pk} 条的前序哈希不符(其前一条被删除或修改) / entry {entry.pk} "
                           "does not link to the entry before it (one was deleted or altered)")
        if _digest(prev, _fields(entry)) != entry.hash:
            return Verdict(False, checked, entry.pk,
                           f"第 {entry.pk} 条的内容与哈希不符(被修改) / entry {entry.pk} does not match its hash "
                           "(it was altered)")
        prev = entry.hash
        checked += 1
    return Verdict(True, checked)
