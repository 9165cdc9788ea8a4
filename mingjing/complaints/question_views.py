"""公开质询 pages: the village's public list with its ask form, and the console page (the
moderators' queue, the cadres' questions to answer, everything the user may see with colour
counts). Thin: every write is an action of `questions.py`, which asks the policy itself.

The public page carries a form with a CSRF token, so it is never served from the portal's page
cache (`cached_page`); it is rendered for each request and marked `private`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mingjing.accounts import policy
from mingjing.accounts.signals import client_ip
from mingjing.complaints import question_forms as f
from mingjing.complaints import questions as q
from mingjing.complaints.models import Question
from mingjing.console.access import StaffRequest, staff_required
from mingjing.portal import ratelimit
from mingjing.portal.public import Place, place_or_404, places, render_public

PUBLIC_PAGE = 20
CONSOLE_PAGE = 50
MAX_PAGE = 500  # pages beyond this are not served: nobody reads the 10,000th question this way
QUEUE_ROWS = 50  # questions shown at once in a moderator's queue or a cadre's to-do


def _page_number(raw: str | None) -> int:
    return min(int(raw), MAX_PAGE) if raw and raw.isdigit() and len(raw) <= 6 else 1


def _message(refused: policy.Refused) -> str:
    return refused.en if get_language() == "en" else refused.zh


# -- public ----------------------------------------------------------------------------------------


def _public_page(request: HttpRequest, place: Place, form: f.AskForm | None = None,
                 errors: dict[str, str] | None = None, status: int = 200) -> HttpResponse:
    page = Paginator(q.public_questions(place.code), PUBLIC_PAGE).get_page(_page_number(request.GET.get("page")))
    response = render_public(request, "complaints/questions/public_list.html", {
        "page": page, "rows": q.rows(list(page.object_list), timezone.now()),
        "kept": form.kept() if form is not None else {"text": "", "asker": ""},
        "errors": errors or {}, "asked": request.GET.get("asked") == "1" and form is None,
        "limits": {"min": q.MIN_TEXT, "max": q.MAX_TEXT, "asker": q.MAX_ASKER,
                   "yellow": q.QUESTION_YELLOW_DAYS, "red": q.QUESTION_RED_DAYS},
    }, place, status=status)
    response["Cache-Control"] = "private, no-cache"  # carries a CSRF token: never shared
    return response


@csrf_protect
@require_http_methods(["GET", "POST"])
def question_list(request: HttpRequest, village_code: str) -> HttpResponse:
    """The village's questions and the ask form. A question asked goes back to the list
    (post/redirect/get) with "submitted, public once moderated"."""
    place = place_or_404(village_code)
    if request.method != "POST":
        return _public_page(request, place)
    form = f.AskForm(request.POST)
    if not form.is_valid():
        errors = {"form" if name == "__all__" else name: " ".join(str(e) for e in errs)
                  for name, errs in form.errors.items()}
        return _public_page(request, place, form, errors, status=400)
    try:
        q.check_question(place.code, form.cleaned_data["text"], form.cleaned_data["asker"])
    except q.QuestionRefused as refused:
        return _public_page(request, place, form, {refused.field or "text": _message(refused)}, status=400)
    client = client_ip(request) or request.META.get("REMOTE_ADDR", "")
    if ratelimit.over_limit("question", client, limit=q.QUESTIONS_PER_HOUR, seconds=3600):
        too_many = _("Too many questions from this connection; please try again in an hour.")
        return _public_page(request, place, form, {"text": too_many}, status=429)
    q.do_ask(village_code=place.code, text=form.cleaned_data["text"], asker=form.cleaned_data["asker"])
    return redirect(reverse("portal:question_list", args=[place.code]) + "?asked=1#asked")


# -- console ---------------------------------------------------------------------------------------


def _require_questions(user: Any) -> None:
    if not (policy.has(user, "question.moderate") or policy.has(user, "question.answer")):
        raise policy.Refused("您没有审核或答复公开质询的权限", "you may not moderate or answer public questions")


def _console_page(request: StaffRequest, *, bound: dict[int, Any] | None = None,
                  refused: policy.Refused | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    now = timezone.now()
    seen = policy.questions_for(user)
    names = {code: p.full_name for code, p in places().items()}
    wanted = request.GET.get("status", "")
    listed = seen.filter(status=wanted) if wanted in Question.Status.values else seen
    page = Paginator(listed.select_related("answered_by__membership").order_by("-created_at", "-id"),
                     CONSOLE_PAGE).get_page(_page_number(request.GET.get("page")))
    queue = list(q.for_moderation(user)[:QUEUE_ROWS])
    to_answer = list(q.for_answer(user).select_related("answered_by__membership")[:QUEUE_ROWS])
    bound = bound or {}
    return render(request, "complaints/questions/console.html", {
        "counts": q.colour_counts(seen, now),
        "queue": [(row, bound.get(row.question.pk) or f.ModerateForm()) for row in q.rows(queue, now, names)],
        "to_answer": [(row, bound.get(row.question.pk) or f.AnswerForm()) for row in q.rows(to_answer, now)],
        "queue_total": q.for_moderation(user).count() if len(queue) == QUEUE_ROWS else len(queue),
        "answer_total": q.for_answer(user).count() if len(to_answer) == QUEUE_ROWS else len(to_answer),
        "page": page, "rows": q.rows(list(page.object_list), now, names), "statuses": Question.Status.choices,
        "wanted": wanted if wanted in Question.Status.values else "",
        "may_moderate": policy.has(user, "question.moderate"), "may_answer": policy.has(user, "question.answer"),
        "refused": refused, "refusal": _message(refused) if refused is not None else "",
        "limits": {"answer": q.MAX_ANSWER, "reason": q.MAX_REASON, "yellow": q.QUESTION_YELLOW_DAYS,
                   "red": q.QUESTION_RED_DAYS},
    }, status=status)


@require_GET
@staff_required
def questions(request: StaffRequest) -> HttpResponse:
    _require_questions(request.user)
    return _console_page(request)


def _get_for_user(user: Any, pk: int) -> Question:
    """A question the user may see (404 otherwise: a page never tells an outsider it exists)."""
    return get_object_or_404(policy.questions_for(user), pk=pk)


@require_POST
@staff_required
def question_moderate(request: StaffRequest, pk: int) -> HttpResponse:
    """Publish or keep off the village page. A refusal shows its reason (403) and changes nothing."""
    _require_questions(request.user)
    question = _get_for_user(request.user, pk)
    form = f.ModerateForm(request.POST)
    if not form.is_valid():
        return _console_page(request, bound={question.pk: form}, status=400)
    publish = form.cleaned_data["decision"] == "publish"
    try:
        q.do_moderate(question=question, user=request.user, publish=publish, reason=form.cleaned_data["reason"])
    except q.QuestionRefused as refused:
        if refused.field:  # the input, not the user: the form again with the reason
            form.add_error("reason" if refused.field == "reason" else None, _message(refused))
            return _console_page(request, bound={question.pk: form}, refused=refused, status=400)
        return _console_page(request, bound={question.pk: form}, refused=refused, status=403)
    except policy.Refused as refused:
        return _console_page(request, refused=refused, status=403)
    messages.success(request, _("The question is published.") if publish else _("The question will not be published."))
    return redirect("console:questions")


@require_POST
@staff_required
def question_answer(request: StaffRequest, pk: int) -> HttpResponse:
    """A cadre answers a published question of their village, once."""
    _require_questions(request.user)
    question = _get_for_user(request.user, pk)
    form = f.AnswerForm(request.POST)
    if not form.is_valid():
        return _console_page(request, bound={question.pk: form}, status=400)
    try:
        q.do_answer_question(question=question, user=request.user, answer=form.cleaned_data["answer"])
    except q.QuestionRefused as refused:
        if refused.field:
            form.add_error("answer", _message(refused))
            return _console_page(request, bound={question.pk: form}, refused=refused, status=400)
        return _console_page(request, refused=refused, status=403)
    except policy.Refused as refused:
        return _console_page(request, refused=refused, status=403)
    messages.success(request, _("The answer is published on the village page."))
    return redirect("console:questions")
