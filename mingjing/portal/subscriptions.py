"""绑定订阅: a villager who has just looked up their own payments may ask to be told when a new
payment to them is imported, or when one they were getting is missing from a new roll.

- `do_subscribe` / `do_unsubscribe`: the villager's two writes (no account: the lookup pass
  proves who they are; the unsubscribe token, sent in every message, is the key to leave).
- `notify_batch`: after a payments batch is active (`datahub.signals.batch_activated`, connected
  in `apps.py`), reads the lake for the subscribers' ID numbers only and queues the messages.
- Every message has a `dedupe_key` (subscription, kind, programme, period), unique in the
  database: a rerun or a re-import never tells anybody twice.
- Delivery goes through `channels.send`; failures stay on the message and `retry_failed` (the
  worker's sweep) tries again, up to `MAX_ATTEMPTS`.

Phone numbers and openids are shown masked everywhere (`mask_address`), the trail included; the
ID number is kept only to find the person's payments, next to a keyed hash (`id_key`) to find
the subscription.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from mingjing.accounts import policy
from mingjing.audit.actions import record
from mingjing.datahub import lake
from mingjing.datahub import queries as hub
from mingjing.datahub.models import Batch
from mingjing.portal import channels, ratelimit
from mingjing.portal.lookup import id_key
from mingjing.portal.models import LookupPass, OutboundMessage, ProgrammePolicy, Subscription
from mingjing.portal.payments import month_label

logger = logging.getLogger("mingjing.portal")

PHONE = re.compile(r"1[3-9]\d{9}")  # a mainland mobile number, 11 digits
OPENID = re.compile(r"[A-Za-z0-9_-]{16,64}")
MAX_ATTEMPTS = 5  # sends of one message before it is left failed for staff to see
BREAKER = 3  # failures in a row after which one run stops calling a gateway that is down
SUBSCRIBES_PER_HOUR = 10  # per client address
SUBSCRIBERS_PER_QUERY = 5000  # ID numbers per lake query (a bounded temporary table)
NEW_MONTHS = 3  # of a batch's latest periods (per programme) whose payments are news
ASK_DEFAULT = "村委会或乡镇政府"

Status = OutboundMessage.Status
KIND_LABELS = {"subscribed": "订阅确认", "new_payment": "新发放", "missing_payment": "应发未见"}


class Invalid(ValueError):
    """A subscription input refused, with the reason in Chinese and English."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh = zh
        self.en = en


# -- small pieces ------------------------------------------------------------------------------------



def mask_address(address: str) -> str:
    """138****5678 (the first 3 and last 4 characters); an openid the same way."""
    if len(address) < 8:
        return "*" * len(address)
    return f"{address[:3]}****{address[-4:]}"


def normalise_phone(raw: str) -> str:
    """11 digits, accepting the spaces, dashes and +86 people type."""
    digits = re.sub(r"[\s\-()]", "", raw or "")
    for prefix in ("+86", "0086", "86"):
        if len(digits) == 11 + len(prefix) and digits.startswith(prefix):
            digits = digits[len(prefix):]
    if not PHONE.fullmatch(digits):
        raise Invalid("请输入11位手机号码", "enter an 11-digit mobile number")
    return digits


def normalise_openid(raw: str) -> str:
    value = (raw or "").strip()
    if not OPENID.fullmatch(value):
        raise Invalid("微信 openid 格式不正确", "not a WeChat openid")
    return value


def allow_subscribe(client: str | None) -> bool:
    """At most `SUBSCRIBES_PER_HOUR` attempts per client address and hour (the address itself is
    kept only as a keyed hash, and only in the cache)."""
    return not ratelimit.over_limit("subscribe", client, limit=SUBSCRIBES_PER_HOUR, seconds=3600)


def unsubscribe_url(subscription: Subscription) -> str:
    path = reverse("portal:unsubscribe", args=[subscription.unsubscribe_token])
    return f"{settings.BASE_URL.rstrip('/')}{path}"


def redact(text: str) -> str:
    """A message's text for staff: the unsubscribe link's token is the villager's key, not theirs."""
    return re.sub(r"(/unsubscribe/)[A-Za-z0-9_-]+", r"\1…", text)


def _amount_zh(amount: Decimal | None) -> str:
    return f"{amount or Decimal(0):.2f}元"


# -- the villager's writes -----------------------------------------------------------------------------


def do_subscribe(*, lookup_pass: LookupPass, channel: str, address: str) -> tuple[Subscription, bool]:
    """Subscribe the person of a (redeemed) lookup pass: a new subscription, or an ended one made
    active again with a new unsubscribe token. Sends the confirmation with the unsubscribe link.
    Returns (subscription, whether anything changed: False when it was already active)."""
    if channel not in Subscription.Channel.values:
        raise Invalid("不支持的提醒方式", "unknown channel")
    address = normalise_openid(address) if channel == Subscription.Channel.WECHAT else normalise_phone(address)
    with transaction.atomic():
        sub, created = Subscription.objects.select_for_update().get_or_create(
            id_key=id_key(lookup_pass.id_number), channel=channel, address=address,
            defaults={"id_number": lookup_pass.id_number, "village_code": lookup_pass.village_code,
                      "unsubscribe_token": secrets.token_urlsafe(24)},
        )
        if not created and sub.active:
            return sub, False
        if not created:
            sub.active = True
            sub.ended_at = None
            sub.village_code = lookup_pass.village_code
            sub.unsubscribe_token = secrets.token_urlsafe(24)
            sub.save(update_fields=["active", "ended_at", "village_code", "unsubscribe_token"])
        record("portal.subscribe", obj=sub, detail={
            "village": sub.village_code, "channel": sub.channel, "address": mask_address(sub.address),
            "again": not created,
        })
        text = (f"【明镜】订阅成功：{_village_name(sub.village_code)}的补贴有新发放或应发未见时，将通过本号码告知您。"
                f"退订请点击 {unsubscribe_url(sub)}")
        message = queue(sub, "subscribed", f"{sub.pk}:subscribed:{sub.unsubscribe_token}", text)
        if message is not None:
            transaction.on_commit(lambda: deliver(message))
    return sub, True


def subscription_for_token(token: str) -> Subscription | None:
    if not token or len(token) > 32:
        return None
    return Subscription.objects.filter(unsubscribe_token=token).first()


def do_unsubscribe(token: str) -> Subscription | None:
    """End a subscription in one step (the holder of its token is its owner). None when the token
    is not one; an ended subscription stays ended (no second trail entry)."""
    with transaction.atomic():
        sub = Subscription.objects.select_for_update().filter(
            unsubscribe_token=token).first() if token and len(token) <= 32 else None
        if sub is None or not sub.active:
            return sub
        sub.active = False
        sub.ended_at = timezone.now()
        sub.save(update_fields=["active", "ended_at"])
        record("portal.unsubscribe", obj=sub, detail={
            "village": sub.village_code, "channel": sub.channel, "address": mask_address(sub.address),
        })
    return sub


# -- messages ------------------------------------------------------------------------------------------


def queue(sub: Subscription, kind: str, dedupe_key: str, text: str) -> OutboundMessage | None:
    """A new message, or None when one with this key exists (told already)."""
    if OutboundMessage.objects.filter(dedupe_key=dedupe_key).exists():
        return None
    try:
        with transaction.atomic():  # a savepoint: a concurrent run may insert the same key first
            return OutboundMessage.objects.create(subscription=sub, kind=kind, dedupe_key=dedupe_key[:200],
                                                  text=text, status=Status.OUTBOX)
    except IntegrityError:
        return None


def deliver(message: OutboundMessage, *, skip_reason: str = "") -> OutboundMessage:
    """Send one message now and write down how it went. `skip_reason` marks it failed without
    calling the gateway (a run that found the gateway down), for `retry_failed` to pick up."""
    status: str
    if skip_reason:
        status, error = Status.FAILED.value, skip_reason
    else:
        status, error = channels.send(message)
        if status != Status.OUTBOX:  # kept, not tried
            message.attempts += 1
    message.status = status
    message.error = error
    if status == Status.SENT:
        message.sent_at = timezone.now()
    message.save(update_fields=["status", "error", "attempts", "sent_at"])
    return message


def deliver_all(messages: list[OutboundMessage]) -> dict[str, int]:
    """Send in order; after `BREAKER` failures in a row the rest wait for the retry."""
    counts = {Status.SENT.value: 0, Status.OUTBOX.value: 0, Status.FAILED.value: 0}
    failures = 0
    for message in messages:
        skip = "网关连续失败，稍后重试 / gateway failing, will retry" if failures >= BREAKER else ""
        deliver(message, skip_reason=skip)
        counts[message.status] += 1
        failures = failures + 1 if message.status == Status.FAILED else 0
    return counts


def retry_failed(limit: int = 500) -> dict[str, int]:
    """Send failed messages of active subscriptions again (the worker's sweep calls this)."""
    messages = list(
        OutboundMessage.objects.filter(status=Status.FAILED, attempts__lt=MAX_ATTEMPTS, subscription__active=True)
        .select_related("subscription").order_by("attempts", "id")[:limit]  # the least tried first
    )
    return deliver_all(messages)


def do_resend(*, message: OutboundMessage, user: User) -> OutboundMessage:
    """Staff send a failed message again (county only: the outbox of a township is for reading)."""
    policy.require(user, "outbox.view", message.subscription)
    policy.require(user, "outbox.resend", message)
    if message.status != Status.FAILED:
        raise policy.Refused("只能重发发送失败的消息", "only a failed message can be sent again")
    deliver(message)
    record("portal.message_resent", actor=user, obj=message, detail={
        "address": mask_address(message.subscription.address), "status": message.status,
        "error": message.error,
    })
    return message


# -- after an import -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    id_number: str
    program_code: str
    period: dt.date
    amount: Decimal | None = None
    account_no: str = ""
    previous: dt.date | None = None  # for a missing payment: the period last paid


def on_batch_activated(sender: Any, batch: Any, **kwargs: Any) -> None:
    """The receiver of `batch_activated`: only payment rolls concern subscribers. Never raises:
    the import is done whatever happens here (failures are logged; messages retry later)."""
    if getattr(batch, "dataset", "") != "payments":
        return
    try:
        counts = notify_batch(batch)
        logger.info("batch %s: subscribers told %s", batch.pk, counts)
    except Exception:
        logger.exception("telling subscribers about batch %s failed", batch.pk)


def notify_batch(batch: Batch) -> dict[str, int]:
    """Queue and send the new-payment and missing-payment messages a payments batch causes."""
    subs = list(Subscription.objects.filter(active=True).order_by("id"))
    if not subs:
        return {}
    by_id: dict[str, list[Subscription]] = {}
    for sub in subs:
        by_id.setdefault(sub.id_number, []).append(sub)
    batch_path = lake.parquet_path("payments", batch.pk)
    all_paths = [p for _, p in hub.snapshot()["payments"]]
    if batch_path not in all_paths:  # retracted or superseded meanwhile
        all_paths.append(batch_path)
    ids = sorted(by_id)
    new: list[Found] = []
    missing: list[Found] = []
    for start in range(0, len(ids), SUBSCRIBERS_PER_QUERY):
        found_new, found_missing = read_lake(batch.pk, batch_path, all_paths,
                                             ids[start:start + SUBSCRIBERS_PER_QUERY])
        new += found_new
        missing += found_missing
    names = hub.program_names()
    policies = {p.program_code: p for p in ProgrammePolicy.objects.filter(
        program_code__in={f.program_code for f in new + missing})}
    queued: list[OutboundMessage] = []
    for f in new:
        for sub in by_id[f.id_number]:
            programme = names.get(f.program_code) or _policy_name(policies, f.program_code)
            account = f"，发放至尾号{f.account_no[-4:]}的账户" if len(f.account_no) >= 4 else ""
            text = (f"【明镜】新发放：{programme} {month_label(f.period)} {_amount_zh(f.amount)}{account}。"
                    f"如有疑问请咨询{_whom_to_ask(policies, f.program_code)}。退订 {unsubscribe_url(sub)}")
            key = f"{sub.pk}:new_payment:{f.program_code}:{f.period.isoformat()}"
            if (message := queue(sub, "new_payment", key, text)) is not None:
                queued.append(message)
    for f in missing:
        for sub in by_id[f.id_number]:
            programme = names.get(f.program_code) or _policy_name(policies, f.program_code)
            before = month_label(f.previous) if f.previous else "此前"
            text = (f"【明镜】应发未见：您{before}领取的{programme}，在新导入的{month_label(f.period)}发放名单中"
                    f"没有您的记录。请咨询{_whom_to_ask(policies, f.program_code)}。退订 {unsubscribe_url(sub)}")
            key = f"{sub.pk}:missing_payment:{f.program_code}:{f.period.isoformat()}"
            if (message := queue(sub, "missing_payment", key, text)) is not None:
                queued.append(message)
    counts = deliver_all(queued)
    return {"new_payment": len(new), "missing_payment": len(missing), **counts}


def read_lake(batch_id: int, batch_path: Path, all_paths: list[Path],
              ids: list[str]) -> tuple[list[Found], list[Found]]:
    """What the new batch pays the subscribers (`ids`), and what it leaves out.

    New: their rows in the batch, per programme and period (amounts summed, one account), for
    periods no other active batch already paid them (a cumulative roll, a forced re-import) and
    within the batch's last `NEW_MONTHS` months of that programme (a roll carrying years of
    history tells of its recent months, not of every one). Missing:
    for each programme, the batch's latest period L; a subscriber paid for it in the month before
    L (in any active batch) but not in L (in any active batch), while the batch pays that
    programme in L in the subscriber's village: only then is their absence news, not a roll
    that simply covers other villages."""
    con = _connect(batch_path, all_paths)
    try:
        con.register("_subs", pa.table({"id_number": pa.array(ids, pa.string())}))
        con.execute("CREATE TEMP TABLE subs AS SELECT DISTINCT id_number FROM _subs")
        con.unregister("_subs")
        _seal(con, [batch_path, *all_paths])
        new_rows = con.execute(f"""
            WITH latest AS (
                SELECT program_code, max(period) AS period FROM new_batch GROUP BY program_code
            )
            SELECT n.id_number, n.program_code, n.period, sum(n.amount), coalesce(max(n.account_no), '')
            FROM new_batch n JOIN subs s ON s.id_number = n.id_number
            JOIN latest l ON l.program_code = n.program_code
            WHERE n.period >= CAST(l.period - INTERVAL {NEW_MONTHS - 1} MONTH AS DATE)
              AND NOT EXISTS (
                SELECT 1 FROM payments a
                WHERE a._batch <> ? AND a.id_number = n.id_number AND a.program_code = n.program_code
                  AND a.period = n.period
              )
            GROUP BY n.id_number, n.program_code, n.period ORDER BY 1, 2, 3
        """, [batch_id]).fetchall()
        missing_rows = con.execute("""
            WITH latest AS (
                SELECT program_code, max(period) AS period FROM new_batch GROUP BY program_code
            ), covered AS (
                SELECT DISTINCT n.program_code, n.region_code
                FROM new_batch n JOIN latest l ON l.program_code = n.program_code AND l.period = n.period
            ), before AS (
                SELECT DISTINCT a.id_number, a.program_code, a.region_code, l.period AS latest,
                       a.period AS previous
                FROM payments a JOIN subs s ON s.id_number = a.id_number
                JOIN latest l ON l.program_code = a.program_code
                 AND a.period = CAST(l.period - INTERVAL 1 MONTH AS DATE)
            )
            SELECT DISTINCT b.id_number, b.program_code, b.latest, b.previous
            FROM before b JOIN covered c ON c.program_code = b.program_code AND c.region_code = b.region_code
            WHERE NOT EXISTS (
                SELECT 1 FROM payments a WHERE a.id_number = b.id_number AND a.program_code = b.program_code AND a.period = b.latest
            )
            ORDER BY 1, 2, 3
        """).fetchall()
    finally:
        con.close()
    new = [Found(r[0], r[1], r[2], r[3], r[4] or "") for r in new_rows]
    missing = [Found(r[0], r[1], r[2], previous=r[3]) for r in missing_rows]
    return new, missing


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _connect(batch_path: Path, all_paths: list[Path]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with two views over the payments files; no extension ever loaded."""
    con = duckdb.connect(":memory:", config={
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        "memory_limit": settings.DUCKDB_MEMORY_LIMIT,
        "threads": settings.DUCKDB_THREADS,
    })
    con.execute("SET enable_progress_bar = false")
    columns = "id_number, program_code, region_code, period, amount, account_no, _batch"
    con.execute(f"CREATE VIEW new_batch AS SELECT {columns} FROM read_parquet({_quote(batch_path)})")
    files = ", ".join(_quote(p) for p in all_paths)
    con.execute(f"CREATE VIEW payments AS SELECT {columns} FROM read_parquet([{files}], union_by_name = true)")
    return con


def _seal(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> None:
    """Only the pinned files stay readable, and the settings are locked (as the engine does)."""
    con.execute(f"SET allowed_paths = [{', '.join(_quote(p) for p in dict.fromkeys(paths))}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def _policy_name(policies: dict[str, ProgrammePolicy], code: str) -> str:
    found = policies.get(code)
    return found.name if found is not None and found.name else code


def _whom_to_ask(policies: dict[str, ProgrammePolicy], code: str) -> str:
    found = policies.get(code)
    if found is not None and (found.contact or found.department):
        return found.contact or found.department
    return ASK_DEFAULT


def _village_name(code: str) -> str:
    from mingjing.portal.public import places

    place = places().get(code)
    return place.full_name if place is not None else "本村"


# -- the demo ------------------------------------------------------------------------------------------


def seed_demo(people: int = 3) -> dict[str, int]:
    """A few subscribers of the demo county (people paid in its latest payments batch, invented
    phone numbers 1390000xxxx, none a demo login) and the messages that batch causes, kept in the
    outbox. Idempotent: subscriptions by their unique key, messages by their dedupe key."""
    batches = hub.snapshot()["payments"]
    if not batches:
        return {"subscriptions": 0, "messages": 0}
    batch_id, path = batches[-1]
    con = _connect(path, [path])
    try:
        rows = con.execute(
            "SELECT id_number, any_value(region_code) FROM new_batch WHERE length(region_code) = 12 "
            "GROUP BY id_number ORDER BY id_number LIMIT ?", [people]).fetchall()
    finally:
        con.close()
    made = 0
    for n, (id_number, village) in enumerate(rows):
        _, created = Subscription.objects.get_or_create(
            id_key=id_key(id_number), channel=Subscription.Channel.SMS,
            address=f"1390000{n + 1:04d}",
            defaults={"id_number": id_number, "village_code": village, "unsubscribe_token": secrets.token_urlsafe(24)},
        )
        made += created
    before = OutboundMessage.objects.count()
    notify_batch(Batch.objects.get(pk=batch_id))
    return {"subscriptions": made, "messages": OutboundMessage.objects.count() - before}

