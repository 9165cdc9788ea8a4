"""Self-lookup (本人查询): a villager proves who they are with the ID number, the name and the last
four digits of the account the payments go to, and sees every payment to them.

What a stranger can learn is kept to nothing:

- an unknown ID number and a wrong name or account give the same answer (one message, one status
  code), both run the same queries (the person's payments are read either way), and a refusal
  takes at least `REFUSAL_FLOOR_S` (so the few milliseconds a known person's rows cost don't show);
- after `PORTAL_LOOKUP_FAILURES` failures within `PORTAL_LOOKUP_LOCK_MINUTES`, the ID number is
  locked for `PORTAL_LOOKUP_LOCK_MINUTES`, for known and unknown numbers alike; while locked even
  the right answer is refused. `LookupGuard` keys it by a keyed hash of the number, never the number;
- each client (a keyed hash of its address, in Django's cache only, never the database) makes at
  most `PORTAL_LOOKUPS_PER_MINUTE` lookups a minute;
- every lookup is in the audit trail as `portal.lookup` with the ID number masked (first 6 and
  last 4, the staff rule), the village and the outcome.

A successful lookup issues a lookup pass (`passes.py`) so that the villager can subscribe without
the ID number ever being written into the page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from engine.explain import mask_id
from mingjing.audit.actions import record
from mingjing.portal import passes, payments, ratelimit
from mingjing.portal.models import LookupGuard, ProgrammePolicy
from mingjing.portal.payments import MaybeEligible, PersonPayments

SUCCESS = "success"
FAILED = "failed"
LOCKED = "locked"
RATE_LIMITED = "rate_limited"

# A refused lookup takes at least this long: reading a known person's payments costs a few
# milliseconds more than finding none, which a patient client could otherwise measure.
REFUSAL_FLOOR_S = 0.03


@dataclass(frozen=True)
class LookupRefused:
    """Why a lookup shows nothing. `FAILED` is the one answer for an unknown ID and a wrong factor."""

    outcome: str
    zh: str
    en: str
    status: int


NO_MATCH = LookupRefused(
    FAILED,
    "未能查到与所填信息相符的发放记录。请核对身份证号码、姓名和账户后四位；多次不符将暂停查询。",
    "No payments match what you entered. Check the ID number, name and the account's last four "
    "digits; repeated mismatches pause lookups.",
    200,
)
LOCKED_OUT = LookupRefused(
    LOCKED,
    "该身份证号码的查询已暂时锁定（多次信息不符），请稍后再试，或到村委会、乡镇便民服务中心查询。",
    "Lookups for this ID number are locked for a while after repeated mismatches; try later, or ask "
    "at the village committee or the township service centre.",
    200,
)
TOO_MANY = LookupRefused(
    RATE_LIMITED,
    "查询过于频繁，请一分钟后再试。",
    "Too many lookups from here; try again in a minute.",
    429,
)


@dataclass
class LookupResult:
    masked_id: str
    pass_token: str
    payments: PersonPayments
    maybe: list[MaybeEligible] = field(default_factory=list)


def id_key(id_number: str) -> str:
    return salted_hmac("mingjing.portal.id", id_number).hexdigest()


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).replace("•", "·").replace("・", "·")


def _matches(found: PersonPayments, name: str, last4: str) -> bool:
    """Both factors, compared without short cuts on either (the same work for any input)."""
    name_ok = False
    for known in found.names or {""}:
        name_ok |= constant_time_compare(_fold(known), _fold(name))
    account_ok = False
    for tail in found.account_tails or {""}:
        account_ok |= constant_time_compare(tail, last4)
    return found.found and name_ok and account_ok and bool(name) and len(last4) == 4


def _audit(outcome: str, id_number: str, village_code: str) -> None:
    record("portal.lookup", object_type="portal.village", object_id=village_code,
           detail={"id_number": mask_id(id_number), "village": village_code, "outcome": outcome})


def do_lookup(id_number: str, name: str, account_last4: str, client_key: str,
              village_code: str = "") -> LookupResult | LookupRefused:
    """Look up one person's payments, or refuse. `id_number` is a valid 18-character number (the
    form checks it); `client_key` the client's address, hashed before it is kept anywhere."""
    over = ratelimit.over_limit("lookup", client_key, limit=settings.PORTAL_LOOKUPS_PER_MINUTE, seconds=60)
    if over:
        if over == 1:  # the trail notes a client's first refusal of the minute, not a flood of them
            _audit(RATE_LIMITED, id_number, village_code)
        return TOO_MANY
    started = time.perf_counter()
    now = timezone.now()
    key = id_key(id_number)
    # The attempt is counted (and the number locked at the limit) before anything is compared, in
    # one locked transaction: parallel requests cannot all pass the check before any is counted.
    if not _reserve(key, now):
        _audit(LOCKED, id_number, village_code)
        return LOCKED_OUT
    found = payments.person_payments(id_number)  # read whether or not the number is known
    if not _matches(found, name, account_last4):
        _audit(FAILED, id_number, village_code)
        time.sleep(max(0.0, started + REFUSAL_FLOOR_S - time.perf_counter()))
        return NO_MATCH
    with transaction.atomic():
        LookupGuard.objects.filter(key=key).delete()  # a success forgets the attempts before it
        token = passes.issue(id_number, village_code)
        _audit(SUCCESS, id_number, village_code)
    return LookupResult(mask_id(id_number), token, found, _with_contacts(payments.may_be_eligible(id_number)))


def _with_contacts(maybe: list[MaybeEligible]) -> list[MaybeEligible]:
    """Whom to ask, from the published policy list (`ProgrammePolicy.contact`)."""
    if not maybe:
        return maybe
    contacts = dict(ProgrammePolicy.objects.filter(program_code__in=[m.program_code for m in maybe], published=True)
                    .values_list("program_code", "contact"))
    return [dataclasses.replace(m, contact=contacts.get(m.program_code, "")) for m in maybe]


def _reserve(key: str, now: dt.datetime) -> bool:
    """Count this attempt against the number; False when it is locked (this attempt refused).
    The `PORTAL_LOOKUP_FAILURES`th attempt within the window without a success locks the number
    for the next ones; that attempt itself is still answered."""
    window = dt.timedelta(minutes=settings.PORTAL_LOOKUP_LOCK_MINUTES)
    with transaction.atomic():
        guard, _ = LookupGuard.objects.select_for_update().get_or_create(key=key)
        if guard.locked_until is not None and guard.locked_until > now:
            return False
        if guard.first_failure_at is None or guard.first_failure_at < now - window:
            guard.failures = 0
            guard.first_failure_at = now
        guard.failures += 1
        if guard.failures >= settings.PORTAL_LOOKUP_FAILURES:
            guard.locked_until = now + window
            guard.failures = 0
            guard.first_failure_at = None
        guard.save()
    return True
