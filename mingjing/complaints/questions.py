"""公开质询 (public questioning): a villager asks the village's cadres a question; the township
commission (or the county) moderates it; once published it is on the village page, and a cadre
of that village answers it there. A published question nobody answers turns yellow after
`QUESTION_YELLOW_DAYS` working days and red after `QUESTION_RED_DAYS`.

Every write is an action here, written like the alert loop's: the policy asked under the
question's row lock, the change in one transaction, an audit entry (what happened, never what the
villager wrote), staff told on commit. Asking needs no account: the public page calls `do_ask`
behind a rate limit per client.

Invariants:
- Only `published` and `answered` questions are ever read for the public (`public_questions`);
  submitted and rejected ones, and a rejection's reason, stay in the console.
- Nothing published (question, nickname, answer) holds what looks like a full ID, account or
  mobile number (`mingjing.lib.sensitive`): refused at asking, publishing and answering.
- One rule for the colours: `cutoffs(now)` gives the two publication times before which an
  unanswered question is yellow or red; `colour` (one question) and `colour_counts` (a queryset,
  in one query) both use it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mingjing.accounts import policy
from mingjing.accounts.models import Organisation, Role
from mingjing.alerts import notify
from mingjing.audit.actions import record
from mingjing.complaints import routing
from mingjing.complaints.models import Question
from mingjing.lib import sensitive, workdays

# Limits (the forms show them; the actions decide).
MIN_TEXT = 5
MAX_TEXT = 500
MAX_ASKER = 20
MAX_ANSWER = 2000
MAX_REASON = 500
QUESTIONS_PER_HOUR = 3  # questions one client may ask per hour (all villages together)
# Colours of a published question nobody has answered, in working days after publication.
QUESTION_YELLOW_DAYS = 3
QUESTION_RED_DAYS = 7

S = Question.Status
PUBLIC = (S.PUBLISHED, S.ANSWERED)


class QuestionRefused(policy.Refused):
    """A refused question action: not allowed, not now, or its input judged invalid. `field`
    names the form field the refusal is about ("" when none), so a page can show it there."""

    def __init__(self, zh: str, en: str, field: str = ""):
        super().__init__(zh, en)
        self.field = field


# -- checks ---------------------------------------------------------------------------------------


def _bounded(value: str, field: str, zh: str, en: str, *, low: int, high: int) -> str:
    value = (value or "").strip()
    if low and not value:
        raise QuestionRefused(f"请填写{zh}", f"{en} is required", field)
    if len(value) < low:
        raise QuestionRefused(f"{zh}至少要写 {low} 个字（现有 {len(value)} 个）",
                              f"{en} needs at least {low} characters (found {len(value)})", field)
    if len(value) > high:
        raise QuestionRefused(f"{zh}不能超过 {high} 字（现有 {len(value)} 字）",
                              f"{en} is limited to {high} characters (found {len(value)})", field)
    return value


def _no_numbers(value: str, field: str, zh: str, en: str) -> None:
    found = sensitive.find(value)
    if found:
        raise QuestionRefused(*sensitive.reason(found, zh, en), field=field)


def check_question(village_code: str, text: str, asker: str = "") -> tuple[str, str]:
    """The question and nickname as they would be stored, or `QuestionRefused`. The public page
    asks this before counting the client's rate limit, so a typo costs no allowance."""
    from mingjing.portal.public import places

    if village_code not in places():
        raise QuestionRefused(f"没有编码为“{village_code[:20]}”的村", f"no village with code '{village_code[:20]}'")
    text = _bounded(text, "text", "问题", "the question", low=MIN_TEXT, high=MAX_TEXT)
    asker = " ".join((asker or "").split())
    asker = _bounded(asker, "asker", "称呼", "the name", low=0, high=MAX_ASKER)
    _no_numbers(text, "text", "问题", "the question")
    _no_numbers(asker, "asker", "称呼", "the name")
    return text, asker


def _locked(question: Question, user: User | None, permission: str, status: str) -> Question:
    """The question's row, locked, once the policy allows `permission` on it and it is in `status`
    (the input is judged after this: who may not act learns nothing about their input)."""
    question = Question.objects.select_for_update().get(pk=question.pk)
    if user is not None:  # None: the operator (command line, demo)
        policy.require(user, permission, question)
    if question.status != status:
        raise QuestionRefused(f"此质询当前为“{question.get_status_display()}”，不能再办理",
                              f"the question is {question.status}; this step no longer applies")
    return question


# -- notifications --------------------------------------------------------------------------------


def console_url() -> str:
    return f"{settings.BASE_URL.rstrip('/')}{reverse('console:questions')}"


def _village_name(village_code: str) -> str:
    from mingjing.portal.public import places

    place = places().get(village_code)
    return place.full_name if place is not None else village_code


def _tell(organisations: list[Organisation | None], kind: str, title: str, text: str) -> None:
    """Staff of `organisations` only. No message carries what the villager wrote (unmoderated
    text has no place in a mailbox or a group chat), so none goes to the group robots either."""
    notify.send(notify.members(*organisations), f"question_{kind}", title, text, url=console_url(), webhooks=False)


def _village(village_code: str) -> Organisation | None:
    return Organisation.objects.filter(kind=Organisation.Kind.VILLAGE, region_code=village_code).first()


# -- actions --------------------------------------------------------------------------------------


def do_ask(*, village_code: str, text: str, asker: str = "") -> Question:
    """A villager asks (no account): submitted, awaiting moderation by the township commission."""
    text, asker = check_question(village_code, text, asker)
    with transaction.atomic():
        question = Question.objects.create(village_code=village_code, text=text, asker=asker)
        record("question.asked", obj=question, detail={"village_code": village_code, "status": [None, S.SUBMITTED]})
        _tell([routing.township_commission(village_code)], "submitted", "公开质询待审核",
              f"{_village_name(village_code)}有一条新的公开质询等待审核。")
    return question


def do_moderate(*, question: Question, user: User | None, publish: bool, reason: str = "") -> Question:
    """Publish a question on the village page, or keep it off with a reason (for staff only:
    the public never learns more than that it was not published)."""
    with transaction.atomic():
        question = _locked(question, user, "question.moderate", S.SUBMITTED)
        reason = "" if publish else _bounded(reason, "reason", "不予公开的理由", "a reason", low=1, high=MAX_REASON)
        if publish:  # text asked before a check existed (imports, the demo) is judged again
            _no_numbers(question.text, "text", "问题", "the question")
            _no_numbers(question.asker, "asker", "称呼", "the name")
        question.status = S.PUBLISHED if publish else S.REJECTED
        question.moderated_by = user
        question.reject_reason = reason
        question.published_at = timezone.now() if publish else None
        question.save(update_fields=["status", "moderated_by", "reject_reason", "published_at"])
        record(f"question.{'published' if publish else 'rejected'}", actor=user, obj=question,
               detail={"village_code": question.village_code, "status": [S.SUBMITTED, question.status],
                       **({} if publish else {"reason": reason})})
        if publish:
            _tell([_village(question.village_code)], "published", "公开质询待答复",
                  f"{_village_name(question.village_code)}有一条公开质询已公开，请在 {QUESTION_YELLOW_DAYS} "
                  f"个工作日内答复。")
    return question


def do_answer_question(*, question: Question, user: User | None, answer: str) -> Question:
    """A cadre of the village answers a published question, once; the answer is public at once."""
    with transaction.atomic():
        question = _locked(question, user, "question.answer", S.PUBLISHED)
        answer = _bounded(answer, "answer", "答复", "the answer", low=1, high=MAX_ANSWER)
        _no_numbers(answer, "answer", "答复", "the answer")
        question.status = S.ANSWERED
        question.answer = answer
        question.answered_by = user
        question.answered_at = timezone.now()
        question.answered_role = policy.role_of(user) or ""
        question.save(update_fields=["status", "answer", "answered_by", "answered_at", "answered_role"])
        record("question.answered", actor=user, obj=question,
               detail={"village_code": question.village_code, "status": [S.PUBLISHED, S.ANSWERED]})
        _tell([routing.township_commission(question.village_code)], "answered", "公开质询已答复",
              f"{_village_name(question.village_code)}的一条公开质询已答复。")
    return question


# -- colours --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cutoffs:
    """An unanswered question published before `yellow` is yellow, before `red` red."""

    yellow: dt.datetime
    red: dt.datetime


def _cutoff(today: dt.date, working_days: int) -> dt.datetime:
    """The start (China time) of the `working_days`-th working day counting back from yesterday.

    Published on day D, a question's N working days are the N working days after D; it is late
    once all of them have passed, i.e. from the start of the day after the N-th. Counting back
    from yesterday, the N-th working day W is the earliest day that can still be among them: a
    question is late exactly when D is before W, i.e. published before W's start.
    """
    day = today
    counted = 0
    while counted < working_days:
        day -= dt.timedelta(days=1)
        counted += workdays.is_working_day(day)
    return dt.datetime.combine(day, dt.time(0), tzinfo=workdays.CHINA)


def cutoffs(now: dt.datetime) -> Cutoffs:
    today = now.astimezone(workdays.CHINA).date()
    return Cutoffs(yellow=_cutoff(today, QUESTION_YELLOW_DAYS), red=_cutoff(today, QUESTION_RED_DAYS))


def colour(question: Question, now: dt.datetime, limits: Cutoffs | None = None) -> str:
    """"green" answered; "red" / "yellow" published and unanswered too long; "" otherwise
    (fresh, or not public). Pass `limits` (from `cutoffs(now)`) when colouring a list."""
    if question.status == S.ANSWERED:
        return "green"
    if question.status != S.PUBLISHED or question.published_at is None:
        return ""
    limits = limits or cutoffs(now)
    if question.published_at < limits.red:
        return "red"
    if question.published_at < limits.yellow:
        return "yellow"
    return ""


def colour_q(name: str, now: dt.datetime) -> Q:
    """`colour(...) == name` as a condition on questions (the SQL twin)."""
    limits = cutoffs(now)
    unanswered = Q(status=S.PUBLISHED)
    return {
        "green": Q(status=S.ANSWERED),
        "red": unanswered & Q(published_at__lt=limits.red),
        "yellow": unanswered & Q(published_at__lt=limits.yellow, published_at__gte=limits.red),
        "fresh": unanswered & Q(published_at__gte=limits.yellow),
    }[name]


COLOURS = ("fresh", "yellow", "red", "green")


def colour_counts(questions: QuerySet[Question], now: dt.datetime) -> dict[str, int]:
    """How many of `questions` await moderation, and how many are of each colour, in one query."""
    counts = questions.aggregate(submitted=Count("pk", filter=Q(status=S.SUBMITTED)),
                                 **{name: Count("pk", filter=colour_q(name, now)) for name in COLOURS})
    return {name: int(value or 0) for name, value in counts.items()}


# -- reads ----------------------------------------------------------------------------------------


def public_questions(village_code: str) -> QuerySet[Question]:
    """What the village page lists: published and answered questions, newest first."""
    return (Question.objects.filter(village_code=village_code, status__in=PUBLIC)
            .order_by("-published_at", "-id"))


def answered_as(question: Question) -> str:
    """Who answered, by role (村务监督委员会主任, ...), never by name: the role they held when
    answering, or "village cadres" when it was not a village role."""
    role = question.answered_role
    if role in Role.values and Role(role) in policy.VILLAGE:
        return str(Role(role).label)
    return _("village cadres")


@dataclass(frozen=True)
class Row:
    """A question as pages show it: with its colour and who answered it, by role."""

    question: Question
    colour: str
    answered_as: str
    village_name: str = ""


def rows(questions: list[Question], now: dt.datetime, names: dict[str, str] | None = None) -> list[Row]:
    """`Row`s of questions (with their village's name from `names`, when given), the colour
    cutoffs computed once for them all."""
    limits = cutoffs(now)
    names = names or {}
    return [Row(q, colour(q, now, limits), answered_as(q) if q.status == S.ANSWERED else "",
                names.get(q.village_code, q.village_code)) for q in questions]


def for_moderation(user: Any) -> QuerySet[Question]:
    """The queue of a moderator: submitted questions of the villages they govern, oldest first."""
    if not policy.has(user, "question.moderate"):
        return Question.objects.none()
    return policy.questions_for(user).filter(status=S.SUBMITTED).order_by("created_at", "id")


def for_answer(user: Any) -> QuerySet[Question]:
    """A cadre's to-do: their village's published questions awaiting an answer, oldest first."""
    if not policy.has(user, "question.answer"):
        return Question.objects.none()
    return policy.questions_for(user).filter(status=S.PUBLISHED).order_by("published_at", "id")
