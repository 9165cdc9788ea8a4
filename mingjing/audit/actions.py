"""Writing to and checking the trail. Every other app records through `record`.

The chain catches an edited or removed entry; the checkpoints (`checkpoints.py`, written here by
`do_checkpoint`) catch a cut tail, which the chain alone cannot see.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from mingjing.accounts import policy
from mingjing.audit import checkpoints, queries
from mingjing.audit.checkpoints import Checkpoint
from mingjing.audit.models import AuditEntry
from mingjing.lib.webhooks import post_json

logger = logging.getLogger("mingjing.audit")

AnyUser = User | AbstractBaseUser | AnonymousUser

GENESIS = "0" * 64
_CHAIN_LOCK = 0x4D4A_4155  # "MJAU": PostgreSQL advisory lock serialising `record`


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

    Steps: 1. take the chain's lock (on PostgreSQL a transaction-level advisory lock: a row lock
    on the tail is not enough, since a second writer waiting on it would wake up still holding
    the old tail and fork the chain; SQLite's write transaction is already exclusive); 2. hash
    this entry with the tail's hash; 3. insert.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        tail = AuditEntry.objects.order_by("-id").only("hash").first()
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


# -- checking -------------------------------------------------------------------------------------


@dataclass
class Verdict:
    ok: bool
    checked: int
    first_bad: int | None = None  # id of the first entry whose hash or link does not hold
    reason: str = ""  # why it failed, in Chinese / English
    missing: int = 0  # entries a checkpoint recorded that are gone from the tail
    missing_after: int | None = None  # the id they are missing after (None: from the start)
    checkpoint: Checkpoint | None = None  # the latest checkpoint whose signature holds
    note: str = ""  # for a passing verdict: what it could not check (no checkpoint yet)


def _when(at: dt.datetime) -> str:
    return f"{timezone.localtime(at):%Y-%m-%d %H:%M}"


def verify() -> Verdict:
    """Recompute the chain from the start and hold it to every checkpoint.

    Steps: 1. read the checkpoint file: a line whose signature does not hold fails at once;
    2. walk the chain: an edited entry fails its own hash, a removed one breaks the next entry's
    link, and at each checkpointed id the entry must still have the checkpointed hash (a chain
    rewritten from there on links up, but not to the checkpoint); 3. a checkpointed entry that is
    gone means the tail was cut: count what is missing after the last entry still there.
    """
    found = queries.read_checkpoints()
    latest = found.latest
    if found.bad_lines:
        lines = "、".join(str(n) for n in found.bad_lines)
        return Verdict(
            False, 0, checkpoint=latest,
            reason=f"检查点文件 {checkpoints.FILE_NAME} 第 {lines} 行的签名不符(被伪造或修改，或更换了 SECRET_KEY) / "
                   f"line {', '.join(map(str, found.bad_lines))} of {checkpoints.FILE_NAME} has a bad signature "
                   "(forged or altered, or SECRET_KEY changed without SECRET_KEY_FALLBACKS)")
    expected = {c.last_id: c for c in found.checkpoints if c.last_id is not None}
    prev = GENESIS
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != prev:
            return Verdict(False, checked, entry.pk, checkpoint=latest,
                           reason=f"第 {entry.pk} 条的前序哈希不符(其前一条被删除或修改) / entry {entry.pk} "
                           "does not link to the entry before it (one was deleted or altered)")
        if _digest(prev, _fields(entry)) != entry.hash:
            return Verdict(False, checked, entry.pk, checkpoint=latest,
                           reason=f"第 {entry.pk} 条的内容与哈希不符(被修改) / entry {entry.pk} does not match its hash "
                           "(it was altered)")
        prev = entry.hash
        checked += 1
        point = expected.pop(entry.pk, None)
        if point is not None and (entry.hash != point.last_hash or checked != point.count):
            return Verdict(False, checked, entry.pk, checkpoint=latest,
                           reason=f"第 {entry.pk} 条与 {_when(point.at)} 的检查点不符(该条之前的记录被改写) / "
                           f"entry {entry.pk} does not match the checkpoint of {_when(point.at)} "
                           "(the trail up to it was rewritten)")
    if expected:
        return _cut(max(expected.values(), key=lambda c: c.count), checked, latest)
    if latest is None:
        return Verdict(True, checked, note="尚无检查点，无法发现末尾被删除的记录(运行 mingjing audit checkpoint) / "
                       "no checkpoint yet, so entries deleted from the end would go unnoticed "
                       "(run mingjing audit checkpoint)")
    return Verdict(True, checked, checkpoint=latest)


def _cut(point: Checkpoint, checked: int, latest: Checkpoint | None) -> Verdict:
    """The verdict when the entry a checkpoint ended with is gone (step 3 of `verify`)."""
    present = AuditEntry.objects.filter(pk__lte=point.last_id)
    after = present.order_by("-id").values_list("id", flat=True).first()
    missing = max(point.count - present.count(), 1)
    zh_after, en_after = (f"第 {after} 条之后", f"after entry {after}") if after else ("从第一条起", "from the start")
    en_missing = "1 entry is" if missing == 1 else f"{missing} entries are"
    return Verdict(
        False, checked, missing=missing, missing_after=after, checkpoint=latest,
        reason=f"审计记录末尾被删除：{zh_after}缺少 {missing} 条({_when(point.at)} 的检查点记录了 {point.count} 条，"
               f"至第 {point.last_id} 条) / the end of the trail was deleted: {en_missing} missing {en_after} "
               f"(the checkpoint of {_when(point.at)} recorded {point.count} entries, up to entry {point.last_id})")


def do_verify(*, user: AnyUser | None) -> Verdict:
    """`verify` run by a person (the console's button): recorded as `audit.verified`, so the
    trail shows who checked it and what they were told. Reading the trail is not recorded."""
    policy.require_unless_system(user, "audit.view")
    verdict = verify()
    record("audit.verified", actor=user if isinstance(user, User) else None, detail={
        "ok": verdict.ok, "checked": verdict.checked, "first_bad": verdict.first_bad, "missing": verdict.missing,
        "checkpoint": verdict.checkpoint.last_id if verdict.checkpoint else None,
    })
    return verdict


# -- checkpoints ----------------------------------------------------------------------------------


def do_checkpoint(*, if_due: bool = False, now: dt.datetime | None = None) -> Checkpoint | None:
    """Append the chain's head to the checkpoint file and send it to the witness, if configured.
    With `if_due`, only when the file has no checkpoint of today (local date) yet: None then.

    Steps: 1. lock the file (two processes doing the daily one write it once); 2. if only when
    due, skip when the latest good line is of today; 3. read the head: the count as of the last
    id, so an entry recorded meanwhile does not make them disagree; 4. append, fsync; 5. witness.
    """
    now = now or timezone.now()
    path = checkpoints.path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        latest = queries.read_checkpoints().latest
        if if_due and latest is not None and timezone.localdate(latest.at) == timezone.localdate(now):
            return None
        last = AuditEntry.objects.order_by("-id").values_list("id", "hash").first()
        if last is None:
            point = Checkpoint(now, 0, None, GENESIS)
        else:
            point = Checkpoint(now, AuditEntry.objects.filter(pk__lte=last[0]).count(), last[0], last[1])
        file.write(point.to_line())
        file.flush()
        os.fsync(file.fileno())
    logger.info("audit checkpoint: %s entries, last %s", point.count, point.last_id)
    _send_to_witness(point)
    return point


def do_checkpoint_if_due(now: dt.datetime | None = None) -> Checkpoint | None:
    """The daily checkpoint, for the worker's sweep loop. Never raises (a periodic hook must not
    stop the loop): a failure is logged."""
    try:
        return do_checkpoint(if_due=True, now=now)
    except Exception:
        logger.exception("audit checkpoint failed")
        return None


def _send_to_witness(point: Checkpoint) -> None:
    """The checkpoint, signed, to whoever keeps copies outside this server. Logged, never raised:
    the file already holds it."""
    body = {"instance": settings.BASE_URL, "audit_checkpoint": point.signed()}
    if settings.AUDIT_WITNESS_URL:
        post_json(settings.AUDIT_WITNESS_URL, body, timeout=10, logger=logger, what="audit witness")
    if settings.AUDIT_WITNESS_EMAILS:
        text = (
            f"明镜审计检查点 / Mingjing audit checkpoint\n\n"
            f"实例 instance: {settings.BASE_URL}\n"
            f"时间 at: {_when(point.at)}\n"
            f"条数 entries: {point.count}\n"
            f"最后一条 last entry: {point.last_id}\n"
            f"哈希 hash: {point.last_hash}\n\n"
            "请保留本邮件：若日后审计记录少于此数，说明末尾被删除。/ Keep this message: if the trail later has "
            "fewer entries, its end was deleted.\n\n"
            f"{json.dumps(body, ensure_ascii=False, sort_keys=True)}\n"
        )
        try:
            send_mail(f"[明镜] 审计检查点 audit checkpoint {timezone.localdate(point.at)}", text, None,
                      settings.AUDIT_WITNESS_EMAILS)
        except Exception:
            logger.exception("audit witness mail failed")
