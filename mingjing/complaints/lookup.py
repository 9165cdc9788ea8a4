"""Status lookup with the tracking code (投诉查询), and the pass that lets the villager act on it.

- A wrong secret and an unknown reference give the same answer and cost the same (the secret is
  checked against a dummy hash when the reference is unknown: `codes.check_secret`).
- Back-off per reference and client: after `COMPLAINT_LOOKUP_FREE_FAILURES` failures in a row,
  each further failure locks that reference for that client for twice as long as the last (1, 2,
  4 … minutes, at most a day); while locked even the right code is refused. Keyed by client too,
  so someone who knows a reference (it is not secret) cannot lock its filer out. Unknown
  references get the same treatment, so the back-off itself tells nothing.
- Per client (a keyed hash of the address, in the cache only): `COMPLAINT_LOOKUPS_PER_MINUTE`.
- A successful lookup gives a pass (signed, 30 minutes) naming the complaint, carried in the
  page's forms (add information, rate): the code is never written into a page or a URL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from mingjing.complaints import codes
from mingjing.complaints.models import Complaint, LookupFailure
from mingjing.portal import ratelimit

PASS_SALT = "mingjing.complaints.pass"
PASS_SECONDS = 30 * 60
MAX_LOCK = dt.timedelta(days=1)


@dataclass(frozen=True)
class Refusal:
    zh: str
    en: str
    status: int


NO_MATCH = Refusal("查询码不正确，请核对后再试。多次不正确将暂停查询。",
                   "That code does not match. Check it and try again; repeated mismatches pause lookups.", 200)
LOCKED = Refusal("此查询码多次输入不正确，已暂停查询，请稍后再试。",
                 "Lookups for this code are paused after repeated mismatches; try again later.", 200)
TOO_MANY = Refusal("查询过于频繁，请一分钟后再试。", "Too many lookups from here; try again in a minute.", 429)


def lookup(text: str, client: str | None, now: dt.datetime | None = None) -> Complaint | Refusal:
    """The complaint the code opens, or why not."""
    now = now or timezone.now()
    if ratelimit.over_limit("complaint.lookup", client, limit=settings.COMPLAINT_LOOKUPS_PER_MINUTE, seconds=60):
        return TOO_MANY
    code = codes.parse(text)
    if code is None:
        codes.check_secret("0" * codes.SECRET_LENGTH, None)  # the same cost as a real check
        return NO_MATCH
    guard = _guard(f"{code.reference}:{ratelimit.client_key(client)}")
    if guard.locked_until and guard.locked_until > now:
        return LOCKED
    complaint = Complaint.objects.filter(reference=code.reference).first()
    if codes.check_secret(code.secret, complaint.secret_hash if complaint else None) and complaint is not None:
        if guard.failures:
            LookupFailure.objects.filter(pk=guard.pk).update(failures=0, locked_until=None)
        return complaint
    _fail(guard.pk, now)
    return NO_MATCH


def _guard(key: str) -> LookupFailure:
    try:
        with transaction.atomic():
            guard, _ = LookupFailure.objects.get_or_create(key=key)
    except IntegrityError:  # created by a concurrent lookup
        guard = LookupFailure.objects.get(key=key)
    return guard


def _fail(pk: int, now: dt.datetime) -> None:
    with transaction.atomic():
        guard = LookupFailure.objects.select_for_update().get(pk=pk)
        guard.failures += 1
        over = guard.failures - settings.COMPLAINT_LOOKUP_FREE_FAILURES
        if over > 0:
            guard.locked_until = now + min(dt.timedelta(minutes=2 ** (over - 1)), MAX_LOCK)
        guard.save(update_fields=["failures", "locked_until", "updated_at"])


def issue_pass(complaint: Complaint) -> str:
    return signing.dumps({"c": complaint.pk}, salt=PASS_SALT, compress=True)


def complaint_for_pass(token: str) -> Complaint | None:
    """The complaint a pass names, or None when it is forged or older than PASS_SECONDS."""
    try:
        data = signing.loads(token or "", salt=PASS_SALT, max_age=PASS_SECONDS)
    except signing.BadSignature:
        return None
    pk = data.get("c") if isinstance(data, dict) else None
    return Complaint.objects.filter(pk=pk).first() if isinstance(pk, int) else None
