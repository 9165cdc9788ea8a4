"""Every write of 监督一点通. The public pages, the console, the API, the sweep and the transfer
callback call these.

Each staff action checks `policy.complaint_actions` under the complaint's row lock, changes it in
one transaction, appends a `ComplaintEvent` (the timeline; `public=True` for what the villager
sees with the code) and an audit entry, and notifies on commit. Villagers' actions are proved by
the tracking code (`lookup.py`), never by an account.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from mingjing.accounts import policy
from mingjing.accounts.models import Organisation
from mingjing.alerts import notify
from mingjing.audit.actions import record
from mingjing.complaints import codes, routing
from mingjing.complaints.models import CATEGORY_CHOICES, Complaint, ComplaintEvent, ComplaintPhoto
from mingjing.lib import photos, sensitive, workdays
from mingjing.lib.webhooks import post_json

logger = logging.getLogger("mingjing.complaints")

# Limits of what the public may send (forms check them too, with friendlier messages).
MAX_TEXT = 2000
MAX_PEOPLE = 5
MAX_NAME = 20
MAX_PROJECT = 100
MAX_PHOTOS = 4
MAX_ADDITIONS = 10  # pieces of information a villager may add to one complaint
MAX_PIXELS = 25_000_000  # per photo: a 24 MP phone camera; bigger is refused before decoding
# Deadlines (domain-notes.md §6.3): accepted and routed in 1 working day, answered in 10, one
# extension of up to 10; the villager rates within 7 calendar days.
ACCEPT_DAYS = 1
ANSWER_DAYS = 10
MAX_EXTENSION_DAYS = 10
RATE_DAYS = 7
# Repeats: complaints about the same village and category, or naming the same person in the same
# township, within REPEAT_DAYS; a group of REPEAT_THRESHOLD is flagged to the county commission
# (a group of tip-offs to the commission that has them).
REPEAT_DAYS = 90
REPEAT_THRESHOLD = 3
CATEGORIES = dict(CATEGORY_CHOICES)


class ComplaintRefused(policy.Refused):
    """A refused complaint action: not allowed now, or its input judged invalid."""


def _require(user: User | None, complaint: Complaint, action: str) -> None:
    if user is None:  # the operator (command line) or the system
        return
    if action not in policy.complaint_actions(user, complaint):
        raise ComplaintRefused(
            f"您不能对此件执行“{action}”(当前状态：{complaint.get_status_display()})",
            f"you may not '{action}' this complaint (status: {complaint.status})",
        )


def _log(complaint: Complaint, user: User | None, kind: str, note: str = "", *, public: bool = False,
         **detail: Any) -> None:
    ComplaintEvent.objects.create(complaint=complaint, actor=user, kind=kind, note=note, public=public, detail=detail)
    # The trail gets what happened, not what was written (personal data stays in the row): the
    # note's hash, so an edited timeline note is caught against the chain.
    digest = {"note_sha256": hashlib.sha256(note.encode()).hexdigest()} if note else {}
    record(f"complaint.{kind}", actor=user, obj=complaint,
           detail={"reference": complaint.reference, **detail, **digest})


def _text(value: str, limit: int, zh: str, en: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise ComplaintRefused(f"{zh}含有不可见的控制字符（NUL），请删除后重试", f"{en} holds a NUL character")
    if required and not value:
        raise ComplaintRefused(f"请填写{zh}", f"{en} is required")
    if len(value) > limit:
        raise ComplaintRefused(f"{zh}不能超过 {limit} 字（现有 {len(value)} 字）",
                               f"{en} is limited to {limit} characters (found {len(value)})")
    return value


def _url(complaint: Complaint) -> str:
    return f"{settings.BASE_URL.rstrip('/')}/console/complaints/{complaint.pk}/"


def _tell(users: list[User], complaint: Complaint, kind: str, title: str, text: str) -> None:
    """Staff notifications, never to a member of a ruled-out organisation. A tip-off never goes to
    group chats, and no message carries what the villager wrote."""
    excluded = routing.ids_of(complaint.excluded_orgs)
    users = [u for u in users if getattr(getattr(u, "membership", None), "organisation_id", None) not in excluded]
    channel = "举报" if complaint.is_tipoff else "投诉"
    notify.send(users, f"complaint_{kind}", f"{channel} {complaint.reference} {title}", text,
                url=_url(complaint), webhooks=not complaint.is_tipoff)


def _members(*orgs: Organisation | None) -> list[User]:
    return list(User.objects.filter(membership__organisation__in=[o for o in orgs if o is not None],
                                    is_active=True).select_related("membership").distinct())


def _above(complaint: Complaint, org: Organisation | None) -> Organisation | None:
    return routing.level_above(org, complaint.village_code, routing.ids_of(complaint.excluded_orgs))


# -- filing (the public) --------------------------------------------------------------------------


@dataclass(frozen=True)
class Filed:
    complaint: Complaint
    code: codes.TrackingCode  # shown once; only its hash is kept


def clean_photos(uploads: list[bytes]) -> list[tuple[photos.CleanPhoto, bytes]]:
    """Each upload cleaned (type sniffed, size and pixels capped, re-encoded without EXIF), with
    its original bytes; refused as a whole if one is not acceptable."""
    if len(uploads) > MAX_PHOTOS:
        raise ComplaintRefused(f"最多上传 {MAX_PHOTOS} 张照片（收到 {len(uploads)} 张）",
                               f"at most {MAX_PHOTOS} photos (received {len(uploads)})")
    cleaned = []
    for number, data in enumerate(uploads, start=1):
        try:
            cleaned.append((photos.clean_photo(data, max_pixels=MAX_PIXELS), data))
        except photos.PhotoRefused as refused:
            raise ComplaintRefused(f"第 {number} 张照片：{refused.zh}", f"photo {number}: {refused.en}") from None
    return cleaned


def _save_photos(complaint: Complaint, cleaned: list[tuple[photos.CleanPhoto, bytes]]) -> None:
    for photo, original in cleaned:
        row = ComplaintPhoto(complaint=complaint, content_type=photo.content_type, width=photo.width,
                             height=photo.height, sha256=photo.sha256)
        stem = secrets.token_hex(8)  # stored names are generated, never the villager's
        row.shown.save(f"{stem}{photo.extension}", ContentFile(photo.data), save=False)
        if complaint.is_tipoff:  # evidence: the original bytes, for the assigned staff only
            row.original.save(f"{stem}.{photo.original_type}", ContentFile(original), save=False)
        row.save()


def _people(names: list[str]) -> list[str]:
    found = []
    for name in names:
        name = " ".join((name or "").split())
        if not name:
            continue
        if len(name) > MAX_NAME:
            raise ComplaintRefused(f"姓名不能超过 {MAX_NAME} 字（“{name[:MAX_NAME]}…”）",
                                   f"a name is limited to {MAX_NAME} characters")
        if name not in found:
            found.append(name)
    if len(found) > MAX_PEOPLE:
        raise ComplaintRefused(f"最多填写 {MAX_PEOPLE} 名被反映人（收到 {len(found)} 名）",
                               f"at most {MAX_PEOPLE} people concerned (received {len(found)})")
    return found


def do_file_complaint(
    *,
    channel: str,
    village_code: str,
    text: str,
    people: list[str] | None = None,
    project: str = "",
    anonymous: bool = True,
    contact_name: str = "",
    contact_phone: str = "",
    photo_uploads: list[bytes] | None = None,
    category: str = "",
) -> Filed:
    """A villager files a complaint or a tip-off. Routed at once to the commission that accepts
    it (recusal applied), its category suggested from the text, repeats grouped."""
    from mingjing.portal.public import places

    if channel not in Complaint.Channel.values:
        raise ComplaintRefused(f"无效的类型“{channel[:20]}”", f"invalid channel '{channel[:20]}'")
    place = places().get(village_code)
    if place is None:
        raise ComplaintRefused(f"没有编码为“{village_code[:20]}”的村", f"no village with code '{village_code[:20]}'")
    text = _text(text, MAX_TEXT, "反映内容", "the text")
    names = _people(people or [])
    project = _text(project, MAX_PROJECT, "项目名称", "the project", required=False)
    contact_name = "" if anonymous else _text(contact_name, 30, "姓名", "the name")
    contact_phone = "" if anonymous else _phone(contact_phone)
    if category and category not in CATEGORIES:
        category = ""
    cleaned = clean_photos(photo_uploads or [])
    excluded = routing.excluded_organisations(village_code, names)
    try:
        from mingjing.complaints import triage

        suggestion = triage.suggest_category(text)
        suggested, confidence = suggestion.category, round(suggestion.confidence, 2)
    except Exception:  # a suggestion is a help; filing never fails for want of it
        logger.exception("category suggestion failed")
        suggested, confidence = "", 0.0
    code = codes.TrackingCode(_unused_reference(), codes.new_secret())
    secret_hash = codes.hash_secret(code.secret)  # slow on purpose: outside the transaction's write lock
    now = timezone.now()
    with transaction.atomic():
        complaint = Complaint.objects.create(
            reference=code.reference, secret_hash=secret_hash, channel=channel,
            village_code=village_code, township_code=place.township_code, text=text, people=names,
            people_text=f",{','.join(names)}," if names else "",
            project=project, anonymous=anonymous, contact_name=contact_name, contact_phone=contact_phone,
            suggested_category=suggested or category, triage=routing.triage_for(village_code, excluded),
            excluded_orgs=routing.as_text(excluded), accept_due=workdays.deadline(now, ACCEPT_DAYS),
        )
        _save_photos(complaint, cleaned)
        # The trail is read county-wide: a tip-off's entry does not say which village it is about.
        _log(complaint, None, "submitted", public=True, channel=channel,
             village="" if complaint.is_tipoff else village_code,
             photos=len(cleaned), people=len(names), recused=len(excluded), confidence=confidence,
             chosen_category=category)
        group = _group_repeats(complaint)
    _tell(_members(complaint.triage), complaint, "submitted", "待受理",
          f"{place.full_name}，请于 {_day(complaint.accept_due)} 前受理并分办。")
    if group:  # complaints: to the county commission; tip-offs: only to the commission that has them
        readers = _members(complaint.triage) if complaint.is_tipoff else notify.county_members()
        _tell(readers, complaint, "repeated", "重复投诉",
              f"{place.full_name} {REPEAT_DAYS} 天内同类或同一被反映人的投诉已达 {len(group)} 件：{'、'.join(group)}")
    return Filed(complaint, code)


def _phone(value: str) -> str:
    digits = "".join(c for c in (value or "") if c.isdigit())
    if len(digits) != 11 or not digits.startswith("1"):
        raise ComplaintRefused("请填写 11 位手机号码", "an 11-digit mobile number is required")
    return digits


def _unused_reference() -> str:
    while True:
        reference = codes.new_reference()
        if not Complaint.objects.filter(reference=reference).exists():
            return reference


def _day(when: dt.datetime | None) -> str:
    return when.astimezone(workdays.CHINA).strftime("%Y-%m-%d") if when else "—"


def _group_repeats(complaint: Complaint) -> list[str]:
    """Link a complaint to the earliest earlier one of its channel about the same village and
    (suggested or confirmed) category, or naming one of the same people in the same township,
    within REPEAT_DAYS. Returns the group's references when the group has just reached the
    threshold; a later member of a flagged group is flagged too. Channels are never mixed: a
    tip-off's reference is not for the complaint's readers. Two queries, each on an index of
    (place, created_at), rather than one OR that scans the period."""
    since = complaint.created_at - dt.timedelta(days=REPEAT_DAYS)
    category = complaint.category or complaint.suggested_category
    recent = (Complaint.objects.filter(channel=complaint.channel, created_at__gte=since)
              .exclude(pk=complaint.pk).order_by("created_at", "pk"))
    found = [recent.filter(Q(category=category) | Q(category="", suggested_category=category),
                           village_code=complaint.village_code).first()]
    if complaint.people:
        named = Q()
        for name in complaint.people:
            named |= Q(people_text__contains=f",{name},")
        found.append(recent.filter(named, township_code=complaint.township_code).first())
    earlier = min((c for c in found if c is not None), key=lambda c: (c.created_at, c.pk), default=None)
    if earlier is None:
        return []
    root = earlier.repeat_of or earlier
    complaint.repeat_of = root
    complaint.repeat_flagged = root.repeat_flagged
    complaint.save(update_fields=["repeat_of", "repeat_flagged", "updated_at"])
    group = list(Complaint.objects.filter(Q(pk=root.pk) | Q(repeat_of=root)).order_by("pk"))
    if len(group) < REPEAT_THRESHOLD or root.repeat_flagged:
        return []
    Complaint.objects.filter(pk__in=[c.pk for c in group]).update(repeat_flagged=True)
    record("complaint.repeats_flagged", obj=root, detail={"references": [c.reference for c in group]})
    return [c.reference for c in group]


# -- the villager, with the tracking code --------------------------------------------------------


def do_add_information(*, complaint: Complaint, text: str, photo_uploads: list[bytes] | None = None) -> Complaint:
    """The villager adds to an open complaint (after a lookup with the code)."""
    text = _text(text, MAX_TEXT, "补充内容", "the added text")
    _may_add(complaint)  # before decoding any photo; checked again under the lock
    cleaned = clean_photos(photo_uploads or [])
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
        _may_add(complaint)
        _save_photos(complaint, cleaned)
        _log(complaint, None, "information_added", text, public=True, photos=len(cleaned))
    _tell(_members(complaint.handler or complaint.triage), complaint, "information", "群众补充了情况", "请查看。")
    return complaint


def _may_add(complaint: Complaint) -> None:
    if complaint.status in (Complaint.Status.CLOSED, Complaint.Status.REJECTED, Complaint.Status.TRANSFERRED):
        raise ComplaintRefused("此件已办结，不能再补充；如有新情况请重新反映",
                               "this complaint is finished; file a new one for new information")
    if complaint.events.filter(kind="information_added").count() >= MAX_ADDITIONS:
        raise ComplaintRefused(f"每件最多补充 {MAX_ADDITIONS} 次", f"at most {MAX_ADDITIONS} additions")


def do_rate(*, complaint: Complaint, rating: str, comment: str = "", now: dt.datetime | None = None) -> Complaint:
    """The villager rates the answer within RATE_DAYS. Satisfied closes it; "not resolved" reopens
    it once (back to its handler, the second answer reviewed by the level above), and closes it
    the second time."""
    now = now or timezone.now()
    if rating not in Complaint.Rating.values:
        raise ComplaintRefused("请选择评价", "choose a rating")
    comment = _text(comment, 500, "评价说明", "the comment", required=False)
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if complaint.status != Complaint.Status.ANSWERED or (complaint.rate_due and complaint.rate_due < now):
            raise ComplaintRefused("此件当前不能评价（未答复或已过 7 天评价期）",
                                   "this complaint cannot be rated now (not answered, or the 7 days have passed)")
        complaint.rating = rating
        complaint.rated_at = now
        reopen = rating == Complaint.Rating.NOT_RESOLVED and complaint.reopened_count == 0
        if reopen:
            complaint.status = Complaint.Status.ACCEPTED
            complaint.handler = complaint.handler or complaint.triage  # a transfer's: back to its commission
            complaint.transfer_body = ""  # kept in the timeline; from now on it is handled here
            complaint.reopened_count += 1
            complaint.extended = False
            complaint.answer_due = workdays.deadline(now, ANSWER_DAYS)
            complaint.rate_due = None
            complaint.escalated_to = _above(complaint, complaint.handler)
        else:
            complaint.status = Complaint.Status.CLOSED
            complaint.closed_at = now
        complaint.save()
        _log(complaint, None, "rated", comment, public=True, rating=rating)
        if reopen:
            _log(complaint, None, "reopened", public=True, reviewer=str(complaint.escalated_to or ""))
    if reopen:
        _tell(_members(complaint.handler, complaint.escalated_to), complaint, "reopened", "群众评价未解决，重办",
              f"请于 {_day(complaint.answer_due)} 前重新答复；重办答复须经上一级复核。")
    return complaint


# -- staff ----------------------------------------------------------------------------------------


def _locked(complaint: Complaint, user: User | None, action: str) -> Complaint:
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    _require(user, complaint, action)
    return complaint


def do_accept(*, complaint: Complaint, user: User | None, category: str, handler: Organisation, note: str = "") -> Complaint:
    """Accept (受理) and route (分办) in one step: category confirmed, handler chosen."""
    if category not in CATEGORIES:
        raise ComplaintRefused(f"无效的分类“{category[:20]}”", f"invalid category '{category[:20]}'")
    now = timezone.now()
    with transaction.atomic():
        complaint = _locked(complaint, user, "accept")
        if handler.pk not in {o.pk for o in routing.handler_choices(complaint)}:
            raise ComplaintRefused(f"不能分办给“{handler.name}”（须回避或不在可选范围内）",
                                   f"cannot route to '{handler.name}' (recused, or not a valid handler)")
        complaint.status = Complaint.Status.ACCEPTED
        complaint.handler = handler
        complaint.accepted_at = now
        complaint.answer_due = workdays.deadline(now, ANSWER_DAYS)
        _set_category(complaint, category, now)
        complaint.save()
        _log(complaint, user, "accepted", note, public=True, handler=handler.name, category=category)
    _tell(_members(handler), complaint, "assigned", "已分办给你单位", f"请于 {_day(complaint.answer_due)} 前答复。")
    return complaint


def _set_category(complaint: Complaint, category: str, now: dt.datetime) -> None:
    complaint.category = category
    complaint.category_confirmed_at = now  # a staff decision: the classifier learns from it


def do_categorise(*, complaint: Complaint, user: User | None, category: str) -> Complaint:
    if category not in CATEGORIES:
        raise ComplaintRefused(f"无效的分类“{category[:20]}”", f"invalid category '{category[:20]}'")
    with transaction.atomic():
        complaint = _locked(complaint, user, "categorise")
        before = complaint.category
        _set_category(complaint, category, timezone.now())
        complaint.save(update_fields=["category", "category_confirmed_at", "updated_at"])
        _log(complaint, user, "categorised", before=before, after=category)
    return complaint


def do_reject(*, complaint: Complaint, user: User | None, reason: str) -> Complaint:
    """Not accepted (不予受理), with the reason the villager reads."""
    reason = _text(reason, 1000, "不予受理的理由", "a reason")
    with transaction.atomic():
        complaint = _locked(complaint, user, "reject")
        complaint.status = Complaint.Status.REJECTED
        complaint.reject_reason = reason
        complaint.closed_at = timezone.now()
        complaint.save()
        _log(complaint, user, "rejected", reason, public=True)
    return complaint


def do_transfer(*, complaint: Complaint, user: User | None, body: str, reason: str) -> Complaint:
    """Matters outside discipline work go to another body (12345, a grid platform) through its
    webhook (`MINGJING_TRANSFER_WEBHOOKS`); its answer comes back to the callback URL sent along."""
    targets = settings.COMPLAINT_TRANSFER_WEBHOOKS
    if body not in targets:
        known = "、".join(targets) or "无"
        raise ComplaintRefused(f"没有配置转办对象“{body[:20]}”（已配置：{known}）",
                               f"no transfer target '{body[:20]}' is configured (configured: {', '.join(targets) or 'none'})")
    reason = _text(reason, 1000, "转办理由", "a reason")
    if complaint.is_tipoff:
        raise ComplaintRefused("举报件不能转出纪检监察系统", "a tip-off is never transferred outside the commissions")
    token = secrets.token_urlsafe(24)
    with transaction.atomic():
        complaint = _locked(complaint, user, "transfer")
        complaint.status = Complaint.Status.TRANSFERRED
        complaint.transfer_body = body
        complaint.transfer_token_hash = hashlib.sha256(token.encode()).hexdigest()
        complaint.save()
        _log(complaint, user, "transferred", reason, public=True, body=body)
        payload = {
            "reference": complaint.reference, "village": complaint.village_code,
            "category": complaint.category or complaint.suggested_category, "text": complaint.text,
            "reason": reason,
            "callback": f"{settings.BASE_URL.rstrip('/')}/v/complaints/transfer/{token}/",
        }
        url = targets[body]
        transaction.on_commit(lambda: post_json(url, payload, timeout=10, logger=logger, what="transfer"))
    return complaint


def transfer_complaint(token: str) -> Complaint | None:
    """The complaint a transfer callback token was issued for, in any state (a second answer is
    a conflict, not an unknown token)."""
    if not token or len(token) > 64:
        return None
    digest = hashlib.sha256(token.encode()).hexdigest()
    return Complaint.objects.filter(transfer_token_hash=digest).first()


def do_record_transfer_answer(*, complaint: Complaint, user: User | None, answer: str, handled_by: str = "") -> Complaint:
    """The other body's answer, posted to the callback (user None) or typed in by the triage officer.
    The villager reads it with the code and may rate it; recorded once."""
    answer = _text(answer, MAX_TEXT, "答复", "the answer")
    handled_by = _text(handled_by, 64, "办理单位", "the handling body", required=False)
    now = timezone.now()
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
        if user is not None:
            _require(user, complaint, "record_transfer_answer")
        if complaint.status != Complaint.Status.TRANSFERRED or complaint.answer:
            raise ComplaintRefused("此件的转办答复已记录", "the transfer's answer is already recorded")
        complaint.answer = answer
        complaint.answered_at = now
        complaint.status = Complaint.Status.ANSWERED
        complaint.rate_due = now + dt.timedelta(days=RATE_DAYS)
        complaint.save()
        _log(complaint, user, "transfer_answered", answer, public=True,
             handled_by=handled_by or complaint.transfer_body)
    _tell(_members(complaint.triage), complaint, "transfer_answered", "转办答复已回传", handled_by or complaint.transfer_body)
    return complaint


def do_reassign(*, complaint: Complaint, user: User | None, handler: Organisation, reason: str) -> Complaint:
    reason = _text(reason, 1000, "改派理由", "a reason")
    with transaction.atomic():
        complaint = _locked(complaint, user, "reassign")
        if handler.pk not in {o.pk for o in routing.handler_choices(complaint)}:
            raise ComplaintRefused(f"不能改派给“{handler.name}”（须回避或不在可选范围内）",
                                   f"cannot reassign to '{handler.name}' (recused, or not a valid handler)")
        before = complaint.handler.name if complaint.handler else ""
        complaint.handler = handler
        if complaint.reopened_count:  # the second answer is reviewed above the new handler
            complaint.escalated_to = _above(complaint, handler)
        complaint.save(update_fields=["handler", "escalated_to", "updated_at"])
        _log(complaint, user, "reassigned", reason, before=before, after=handler.name)
    _tell(_members(handler), complaint, "assigned", "已改派给你单位", f"请于 {_day(complaint.answer_due)} 前答复。")
    return complaint


def do_extend(*, complaint: Complaint, user: User | None, days: int, reason: str) -> Complaint:
    """One extension of up to MAX_EXTENSION_DAYS working days, with a reason."""
    reason = _text(reason, 1000, "延期理由", "a reason")
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ComplaintRefused(f"延期须为 1 至 {MAX_EXTENSION_DAYS} 个工作日（填写了 {days}）",
                               f"an extension is 1 to {MAX_EXTENSION_DAYS} working days (got {days})")
    with transaction.atomic():
        complaint = _locked(complaint, user, "extend")
        before = complaint.answer_due
        start = before or timezone.now()
        complaint.answer_due = workdays.deadline(start, days)
        complaint.extended = True
        complaint.save(update_fields=["answer_due", "extended", "updated_at"])
        _log(complaint, user, "extended", reason, public=True, days=days, before=_day(before),
             after=_day(complaint.answer_due))
    return complaint


def do_answer(*, complaint: Complaint, user: User | None, answer: str, public_answer: str = "") -> Complaint:
    """The handler answers. A first answer goes to the villager at once; a second (after "not
    resolved") waits for the level above to review it."""
    answer = _text(answer, MAX_TEXT, "答复", "the answer")
    public_answer = _text(public_answer, MAX_TEXT, "公开答复", "the public answer", required=False)
    now = timezone.now()
    with transaction.atomic():
        complaint = _locked(complaint, user, "answer")
        complaint.answer = answer
        complaint.public_answer = public_answer
        complaint.answer_by = user
        if complaint.reopened_count:
            complaint.status = Complaint.Status.UNDER_REVIEW
        else:
            _answered(complaint, now)
        complaint.save()
        _log(complaint, user, "answered", answer, public=not complaint.reopened_count,
             review=bool(complaint.reopened_count))
    if complaint.status == Complaint.Status.UNDER_REVIEW:
        _tell(_members(complaint.escalated_to), complaint, "review", "重办答复待复核", "请复核后答复群众。")
    return complaint


def _answered(complaint: Complaint, now: dt.datetime) -> None:
    complaint.status = Complaint.Status.ANSWERED
    complaint.answered_at = now
    complaint.rate_due = now + dt.timedelta(days=RATE_DAYS)


def do_review(*, complaint: Complaint, user: User | None, approve: bool, note: str = "") -> Complaint:
    """The level above approves a second answer (the villager then reads it) or returns it."""
    if not approve:
        note = _text(note, 1000, "退回理由", "a reason")
    now = timezone.now()
    with transaction.atomic():
        complaint = _locked(complaint, user, "review")
        if approve:
            _answered(complaint, now)
        else:
            complaint.status = Complaint.Status.ACCEPTED
        complaint.save()
        _log(complaint, user, "review_approved" if approve else "review_returned", note, public=approve)
    if not approve:
        _tell(_members(complaint.handler), complaint, "returned", "重办答复被退回", f"退回理由：{note}")
    return complaint


def do_publish(*, complaint: Complaint, user: User | None, public_text: str, public_answer: str) -> Complaint:
    """Show an answered complaint on the village page: the text and answer as edited by the
    officer, with people's names redacted; refused while a full ID, account or phone number is in them."""
    if complaint.is_tipoff:
        raise ComplaintRefused("举报件从不公开", "a tip-off is never published")
    public_text = _text(public_text, MAX_TEXT, "公开的反映内容", "the public text")
    public_answer = _text(public_answer, MAX_TEXT, "公开答复", "the public answer")
    for value, zh, en in ((public_text, "公开的反映内容", "the public text"), (public_answer, "公开答复", "the public answer")):
        found = sensitive.find(value)
        if found:
            raise ComplaintRefused(*sensitive.reason(found, zh, en))
    names = [n for n in complaint.people if n and (n in public_text or n in public_answer)]
    if names:
        raise ComplaintRefused(f"公开内容中仍有被反映人姓名：{'、'.join(names)}，请改为“某”",
                               f"the public text still names {', '.join(names)}: redact the names")
    with transaction.atomic():
        complaint = _locked(complaint, user, "publish")
        complaint.public_text = public_text
        complaint.public_answer = public_answer
        complaint.published_at = timezone.now()
        complaint.save(update_fields=["public_text", "public_answer", "published_at", "updated_at"])
        _log(complaint, user, "published", public=True)
    return complaint


def do_add_note(*, complaint: Complaint, user: User | None, note: str) -> Complaint:
    note = _text(note, MAX_TEXT, "办理记录", "the note")
    with transaction.atomic():
        complaint = _locked(complaint, user, "note")
        _log(complaint, user, "note", note)
    return complaint


def do_open_alert(*, complaint: Complaint, user: User | None, level: str = "medium") -> Any:
    """A complaint opens an alert in the loop (system model TS01): a hit of a finished run of its
    own, made an alert by `sync_alerts` (routed to the township commission, with deadlines). The
    alert carries no village when the complaint is a tip-off or the village is recused, so the
    village never sees it; nor a township when its commission is recused."""
    from mingjing.alerts.actions import sync_alerts
    from mingjing.analysis.models import Hit, Run

    if level not in ("high", "medium", "low"):
        raise ComplaintRefused(f"无效的等级“{level[:10]}”", f"invalid level '{level[:10]}'")
    with transaction.atomic():
        complaint = _locked(complaint, user, "open_alert")
        excluded = routing.ids_of(complaint.excluded_orgs)
        village = Organisation.objects.filter(kind=Organisation.Kind.VILLAGE, region_code=complaint.village_code).first()
        township = routing.township_commission(complaint.village_code)
        hidden_village = complaint.is_tipoff or (village is not None and village.pk in excluded)
        now = timezone.now()
        run = Run.objects.create(engine="complaints", status=Run.Status.DONE, requested_models=[SYSTEM_MODEL],
                                 models_total=1, started_at=now, finished_at=now, created_by=user)
        channel = "举报" if complaint.is_tipoff else "投诉"
        category = CATEGORIES.get(complaint.category or complaint.suggested_category, "")
        key = {"complaint": complaint.reference}
        fingerprint = hashlib.sha256((SYSTEM_MODEL + complaint.reference).encode()).hexdigest()
        Hit.objects.create(
            fingerprint=fingerprint,
            model=SYSTEM_MODEL, rule_id=SYSTEM_MODEL, version=1, level=level, key=key,
            region_code="" if hidden_village else complaint.village_code,
            township_code="" if township is not None and township.pk in excluded else complaint.township_code,
            explanation=f"由群众{channel} {complaint.reference}（{category}）转为预警，详见该件办理记录。",
            observed=f"{channel} {complaint.reference}", values={"查询编号": complaint.reference, "分类": category},
            first_run=run, last_run=run,
        )
        sync_alerts(run)
        complaint.alert = Hit.objects.get(fingerprint=fingerprint).alert
        complaint.save(update_fields=["alert", "updated_at"])
        _log(complaint, user, "alert_opened", alert=complaint.alert.pk if complaint.alert else None)
    return complaint.alert


SYSTEM_MODEL = "TS01"  # analysis.queries.SYSTEM_MODELS


# -- the sweep ------------------------------------------------------------------------------------


def overdue_q(now: dt.datetime) -> Q:
    """`Complaint.is_overdue` in SQL."""
    return (Q(status=Complaint.Status.SUBMITTED, accept_due__lt=now)
            | Q(status=Complaint.Status.ACCEPTED, answer_due__lt=now))


def _stage(complaint: Complaint) -> str:
    """Which deadline an overdue complaint missed: accepting it, or answering it (per round)."""
    return "accept" if complaint.status == Complaint.Status.SUBMITTED else f"answer{complaint.reopened_count}"


def do_complaint_sweep(now: dt.datetime | None = None) -> dict[str, int]:
    """Escalate what is overdue to the level above, once per stage (`escalated_for`, so the sweep
    reads only what it has not escalated yet), and close answered complaints whose rating window
    passed. Idempotent: run it as often as you like."""
    now = now or timezone.now()
    counts = {"escalated": 0, "closed": 0}
    done = Q(escalated_for="accept", status=Complaint.Status.SUBMITTED) | Q(
        escalated_for=Concat(Value("answer"), Cast("reopened_count", CharField())), status=Complaint.Status.ACCEPTED)
    overdue = Complaint.objects.filter(overdue_q(now)).exclude(done).select_related("handler", "triage")
    for complaint in overdue:
        current = complaint.handler if complaint.status == Complaint.Status.ACCEPTED else complaint.triage
        above = _above(complaint, current)
        stage = _stage(complaint)
        with transaction.atomic():
            complaint.escalated_for = stage
            if above is not None:
                complaint.escalated_to = above
            complaint.save(update_fields=["escalated_for", "escalated_to", "updated_at"])
            if above is not None:
                _log(complaint, None, "escalated", "逾期未办，报上一级督办 / overdue: raised to the level above",
                     stage=stage, to=above.name)
        if above is None:  # the county itself is ruled out: nobody above to tell
            continue
        _tell(_members(above, current), complaint, "escalated", "逾期，报上一级督办",
              f"{'受理' if stage == 'accept' else '答复'}期限 {_day(complaint.due_now())} 已过。")
        counts["escalated"] += 1
    for complaint in Complaint.objects.filter(status=Complaint.Status.ANSWERED, rate_due__lt=now):
        with transaction.atomic():
            # Conditional: a rating committed since the list was read wins.
            if not Complaint.objects.filter(pk=complaint.pk, status=Complaint.Status.ANSWERED, rate_due__lt=now
                                            ).update(status=Complaint.Status.CLOSED, closed_at=now, updated_at=now):
                continue
            _log(complaint, None, "closed_unrated", public=True)
        counts["closed"] += 1
    return counts

