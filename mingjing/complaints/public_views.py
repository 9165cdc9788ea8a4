"""The villager's pages of 监督一点通 (under /v/, no sign-in): filing a complaint or a tip-off, the
tracking code shown once, the status lookup with what can be done there (add information, rate
the answer), the village's published answers, and the callback another body answers a transfer
through. Thin views over `actions.py` and `lookup.py`.

What these pages promise:
- The tracking code's secret is in one response only, the one answering the filing POST
  (`Cache-Control: no-store`): never in a URL, a session, a log or any later page. After a
  lookup, forms carry a signed pass (`lookup.issue_pass`) instead; a photo's address carries a
  signed token naming that one photo, for as long as the pass lasts.
- A wrong code and an unknown reference answer alike (the same page, byte for byte but the CSRF
  token); `lookup.lookup` makes them cost the same and backs off per reference.
- A request that could fill the disk is refused on its Content-Length, before Django parses it
  (and before the CSRF check reads it: that check runs inside the view, after the size check).
- Only the re-encoded photos (`ComplaintPhoto.shown`, no EXIF) are ever served; a tip-off's
  originals have no public address at all.
- No page shows the villager's contact details, nor staff names or internal notes.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    UnreadablePostError,
)
from django.http.multipartparser import MultiPartParserError
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from mingjing.accounts.signals import client_ip
from mingjing.complaints import actions, lookup
from mingjing.complaints.models import Complaint, ComplaintEvent, ComplaintPhoto
from mingjing.complaints.public_forms import (
    RATING_CHOICES,
    AddInformationForm,
    CodeForm,
    FilingForm,
    RateForm,
    check_uploads,
)
from mingjing.complaints.slip import Slip, slip_png
from mingjing.lib import photos
from mingjing.portal import ratelimit
from mingjing.portal.public import Place, cached_page, place_or_404, places, render_public

logger = logging.getLogger("mingjing.complaints")

# A filing or an addition carries at most MAX_PHOTOS photos of photos.MAX_BYTES, plus the text.
MAX_BODY = actions.MAX_PHOTOS * photos.MAX_BYTES + 1024 * 1024
TRANSFER_MAX_BODY = 16 * 1024
TRANSFER_PER_MINUTE = 30  # callbacks per client
ANSWERS_PER_PAGE = 20
MAX_PAGE_PARAM = 6  # digits of ?page= read
PHOTO_SALT = "mingjing.complaints.photo"
Status = Complaint.Status


# -- shared ---------------------------------------------------------------------------------------


def _client(request: HttpRequest) -> str:
    """The address the rate limits count, as the portal's lookup gets it."""
    return client_ip(request) or request.META.get("REMOTE_ADDR", "")


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _words(problem: Any) -> str:
    """A bilingual refusal (`zh`, `en`) in the page's language."""
    return str(problem.en if get_language() == "en" else problem.zh)


def _place(village_code: str) -> Place | None:
    try:
        return place_or_404(village_code)
    except Http404:
        return None


def _not_found(request: HttpRequest) -> HttpResponse:
    return _no_store(render_public(request, "portal/not_found.html", {}, status=404))


def _refused(request: HttpRequest, place: Place | None, message: str, status: int) -> HttpResponse:
    return _no_store(render_public(request, "complaints/public/refused.html", {"message": message}, place,
                                   status=status))


def _content_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _checked_view(request: HttpRequest) -> HttpResponse:
    """Stands for the view in the CSRF check run inside the views that take photos."""
    return HttpResponse()


_csrf = CsrfViewMiddleware(_checked_view)


def _upload_refused(request: HttpRequest, place: Place) -> HttpResponse | None:
    """For the views that take photos (exempt from the CSRF middleware, which would parse the
    body first): 1. the declared size, before anything is read; 2. the CSRF check; 3. the body
    parsed, refusing what Django refuses (too many fields or files, a broken multipart body)."""
    if _content_length(request) > MAX_BODY:
        return _refused(request, place, _("What you sent is too large: at most %(count)d photos of %(limit)d MB "
                                          "each. Please send fewer or smaller photos.")
                        % {"count": actions.MAX_PHOTOS, "limit": photos.MAX_BYTES // (1024 * 1024)}, 413)
    try:
        failure = _csrf.process_view(request, _checked_view, (), {})
        if failure is not None:
            return failure
        request.FILES  # noqa: B018 - parse now, inside the try
    except (SuspiciousOperation, BadRequest, MultiPartParserError, UnreadablePostError):  # too many fields, ...
        return _refused(request, place, _("What you sent could not be read. Please try again."), 400)
    return None


def _uploads(request: HttpRequest) -> list[UploadedFile]:
    return [u for u in request.FILES.getlist("photos") if u.name]


def _photo_token(photo: ComplaintPhoto) -> str:
    return signing.dumps({"p": photo.pk, "c": photo.complaint_id}, salt=PHOTO_SALT)


def lookup_url(village_code: str) -> str:
    return settings.BASE_URL.rstrip("/") + reverse("portal:complaint_status", args=[village_code])


# -- filing ---------------------------------------------------------------------------------------


def _filing_page(request: HttpRequest, place: Place, form: FilingForm, *, photo_error: str = "",
                 photos_dropped: bool = False, status: int = 200) -> HttpResponse:
    channel = form["channel"].value() if form["channel"].value() in Complaint.Channel.values else "complaint"
    return _no_store(render_public(request, "complaints/public/new.html", {
        "form": form, "channel": channel, "photo_error": photo_error, "photos_dropped": photos_dropped,
        "max_photos": actions.MAX_PHOTOS, "max_mb": photos.MAX_BYTES // (1024 * 1024),
    }, place, status=status))


@csrf_exempt  # checked inside, after the size check (`_upload_refused`)
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest, village_code: str) -> HttpResponse:
    """我要投诉 / 我要举报: the form (GET, `?channel=complaint|tipoff`) and the filing (POST). The
    answer to a filing is the one page that ever shows the whole tracking code."""
    place = _place(village_code)
    if place is None:
        return _not_found(request)
    if request.method != "POST":
        channel = request.GET.get("channel", "")
        channel = channel if channel in Complaint.Channel.values else Complaint.Channel.COMPLAINT.value
        return _filing_page(request, place, FilingForm(initial={"channel": channel, "identity": "anonymous"}))
    refused = _upload_refused(request, place)
    if refused is not None:
        return refused
    form = FilingForm(request.POST)
    uploads = _uploads(request)
    photo_error = check_uploads(uploads)
    if not form.is_valid() or photo_error:
        return _filing_page(request, place, form, photo_error=photo_error, photos_dropped=bool(uploads), status=400)
    if ratelimit.over_limit("complaint.file", _client(request), limit=settings.COMPLAINT_FILINGS_PER_HOUR,
                            seconds=3600):
        return _refused(request, place, _("Too many filings from here. Please try again in an hour, or call 12388."),
                        429)
    data = form.cleaned_data
    try:
        filed = actions.do_file_complaint(
            channel=data["channel"], village_code=place.code, text=data["text"], people=data["people"],
            project=data["project"], anonymous=form.anonymous, contact_name=data["contact_name"],
            contact_phone=data["contact_phone"], category=data["category"],
            photo_uploads=[upload.read() for upload in uploads],
        )
    except actions.ComplaintRefused as problem:
        form.add_error(None, _words(problem))
        return _filing_page(request, place, form, photos_dropped=bool(uploads), status=400)
    return _filed_page(request, place, filed)


def _filed_page(request: HttpRequest, place: Place, filed: actions.Filed) -> HttpResponse:
    """The code, once: as text in its groups and as an image slip to save. Rendered straight into
    the POST's response (a redirect would need the secret stored somewhere)."""
    complaint, code = filed.complaint, str(filed.code)
    png = slip_png(Slip(place.full_name, complaint.channel, code, timezone.localdate(complaint.created_at),
                        lookup_url(place.code)))
    return _no_store(render_public(request, "complaints/public/filed.html", {
        "complaint": complaint, "code": code, "groups": code.split("-"),
        "slip": "data:image/png;base64," + base64.b64encode(png).decode() if png else "",
        "slip_name": f"明镜查询码-{complaint.reference}.png",
    }, place))


# -- the status lookup ----------------------------------------------------------------------------


def _lookup_page(request: HttpRequest, place: Place, form: CodeForm | None = None, *, notice: str = "",
                 status: int = 200) -> HttpResponse:
    return _no_store(render_public(request, "complaints/public/status.html", {
        "form": form or CodeForm(), "notice": notice,
    }, place, status=status))


@require_http_methods(["GET", "POST"])
def status(request: HttpRequest, village_code: str) -> HttpResponse:
    """投诉查询: the code box (GET) and what the code opens (POST). A code is good on any village's
    page: it names its own complaint."""
    place = _place(village_code)
    if place is None:
        return _not_found(request)
    if request.method != "POST":
        return _lookup_page(request, place)
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _lookup_page(request, place, form, status=400)
    outcome = lookup.lookup(form.cleaned_data["code"], _client(request))
    if isinstance(outcome, lookup.Refusal):
        # Never the typed code again: a wrong code and an unknown one give the same page.
        return _lookup_page(request, place, notice=_words(outcome), status=outcome.status)
    return _status_page(request, place, outcome)


def _passed(request: HttpRequest, place: Place) -> Complaint | HttpResponse:
    """The complaint the form's pass names, or the code box again (expired or forged)."""
    complaint = lookup.complaint_for_pass(request.POST.get("pass", "")[:200])
    if complaint is None:
        return _lookup_page(request, place, notice=_("This page has expired. Please enter your tracking code again."),
                            status=403)
    return complaint


@csrf_exempt  # checked inside, after the size check (`_upload_refused`)
@require_http_methods(["GET", "POST"])
def add_information(request: HttpRequest, village_code: str) -> HttpResponse:
    """补充情况: text and photos added to an open complaint, with the pass of a lookup."""
    place = _place(village_code)
    if place is None:
        return _not_found(request)
    if request.method != "POST":
        return HttpResponseRedirect(reverse("portal:complaint_status", args=[place.code]))
    refused = _upload_refused(request, place)
    if refused is not None:
        return refused
    complaint = _passed(request, place)
    if isinstance(complaint, HttpResponse):
        return complaint
    # The filing limit covers additions too: each may carry photos to decode.
    if ratelimit.over_limit("complaint.add", _client(request), limit=settings.COMPLAINT_FILINGS_PER_HOUR,
                            seconds=3600):
        return _status_page(request, place, complaint, add_error=_("Too many additions from here; try again "
                                                                   "in an hour."), status=429)
    form = AddInformationForm(request.POST)
    uploads = _uploads(request)
    photo_error = check_uploads(uploads)
    if not form.is_valid() or photo_error:
        return _status_page(request, place, complaint, add_form=form, add_error=photo_error,
                            photos_dropped=bool(uploads), status=400)
    try:
        complaint = actions.do_add_information(complaint=complaint, text=form.cleaned_data["text"],
                                               photo_uploads=[upload.read() for upload in uploads])
    except actions.ComplaintRefused as problem:
        return _status_page(request, place, complaint, add_form=form, add_error=_words(problem),
                            photos_dropped=bool(uploads), status=400)
    return _status_page(request, place, complaint, message=_("Your information was added. The handler is told."))


@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, village_code: str) -> HttpResponse:
    """评价: satisfied closes the matter; "not resolved" reopens it once."""
    place = _place(village_code)
    if place is None:
        return _not_found(request)
    if request.method != "POST":
        return HttpResponseRedirect(reverse("portal:complaint_status", args=[place.code]))
    complaint = _passed(request, place)
    if isinstance(complaint, HttpResponse):
        return complaint
    form = RateForm(request.POST)
    if not form.is_valid():
        return _status_page(request, place, complaint, rate_form=form, status=400)
    was_reopened = complaint.reopened_count
    try:
        complaint = actions.do_rate(complaint=complaint, rating=form.cleaned_data["rating"],
                                    comment=form.cleaned_data["comment"])
    except actions.ComplaintRefused as problem:
        return _status_page(request, place, complaint, rate_form=form, rate_error=_words(problem), status=400)
    if complaint.reopened_count > was_reopened:
        message = _("You said it is not resolved: the matter is reopened and will be handled again. "
                    "The new answer is reviewed by the level above before you read it.")
    else:
        message = _("Thank you. Your rating was recorded and the matter is closed.")
    return _status_page(request, place, complaint, message=message)


# -- what the code opens --------------------------------------------------------------------------


def status_words(complaint: Complaint) -> str:
    """Where the matter stands, in a sentence."""
    if complaint.status == Status.SUBMITTED:
        return _("Received. Waiting to be accepted by the discipline inspection commission.")
    if complaint.status == Status.ACCEPTED:
        if complaint.reopened_count:
            return _("Reopened after you rated it not resolved: being handled again.")
        return _("Accepted and being handled.")
    if complaint.status == Status.UNDER_REVIEW:
        return _("Being handled again: the new answer is being reviewed by the level above.")
    if complaint.status == Status.ANSWERED:
        return _("Answered. Please read the answer and rate it.")
    if complaint.status == Status.CLOSED:
        return _("Closed.")
    if complaint.status == Status.REJECTED:
        return _("Not accepted. The reason is below.")
    if complaint.status == Status.TRANSFERRED:
        return _("Passed on to %(body)s, which handles such matters. Its answer will show here.") % {
            "body": complaint.transfer_body}
    return str(complaint.get_status_display())


RATING_WORDS = dict(RATING_CHOICES)
# Event notes shown: the reasons given to the villager (the reject reason has its own box). What
# villagers wrote is not shown back: a code passed on must not read out a tip-off.
SHOWN_NOTES = {"accepted", "transferred", "extended"}


def event_sentence(event: ComplaintEvent) -> str:
    """A public timeline event as a sentence: what happened, never who (no staff names)."""
    detail = event.detail or {}
    kind = event.kind
    if kind == "submitted":
        return _("Filed.")
    if kind == "accepted":
        if detail.get("handler"):
            return _("Accepted and passed to %(handler)s to handle.") % {"handler": detail["handler"]}
        return _("Accepted.")
    if kind == "information_added":
        return _("You added information.")
    if kind == "rated":
        return _("You rated the answer: %(rating)s.") % {"rating": RATING_WORDS.get(detail.get("rating", ""), "—")}
    if kind == "reopened":
        return _("Reopened: handled again, the new answer reviewed by the level above.")
    if kind == "answered":
        return _("Answered.")
    if kind == "review_approved":
        return _("The new answer was reviewed and approved by the level above.")
    if kind == "rejected":
        return _("Not accepted.")
    if kind == "transferred":
        return _("Passed on to %(body)s.") % {"body": detail.get("body", "")}
    if kind == "transfer_answered":
        return _("%(body)s answered.") % {"body": detail.get("handled_by", "")}
    if kind == "extended":
        return _("The deadline was extended to %(date)s.") % {"date": detail.get("after", "")}
    if kind == "published":
        return _("The answer was published on the village page, with names hidden.")
    if kind == "closed_unrated":
        return _("Closed: not rated within 7 days.")
    return _("Progress updated.")


def _status_page(request: HttpRequest, place: Place, complaint: Complaint, *, message: str = "",
                 add_form: AddInformationForm | None = None, add_error: str = "", photos_dropped: bool = False,
                 rate_form: RateForm | None = None, rate_error: str = "", status: int = 200) -> HttpResponse:
    """What the code opens: status, timeline, deadline, answer, own photos, and the forms (with a
    fresh pass) to add information and to rate."""
    complaint.refresh_from_db()
    now = timezone.now()
    events = list(complaint.events.filter(public=True).order_by("at", "id"))
    timeline = [{"at": e.at, "sentence": event_sentence(e), "note": e.note if e.kind in SHOWN_NOTES else ""}
                for e in events]
    answered_by = next((e.detail.get("handled_by", "") for e in reversed(events) if e.kind == "transfer_answered"), "")
    additions = sum(1 for e in events if e.kind == "information_added")
    may_add = (complaint.status not in (Status.CLOSED, Status.REJECTED, Status.TRANSFERRED)
               and additions < actions.MAX_ADDITIONS)
    may_rate = complaint.status == Status.ANSWERED and not (complaint.rate_due and complaint.rate_due < now)
    token = lookup.issue_pass(complaint)
    return _no_store(render_public(request, "complaints/public/result.html", {
        "complaint": complaint, "home": places().get(complaint.village_code),
        "status_words": status_words(complaint), "timeline": timeline, "due": complaint.due_now(),
        "show_answer": complaint.status in (Status.ANSWERED, Status.CLOSED) and bool(complaint.answer),
        "answered_by": answered_by,
        "photos": [reverse("portal:complaint_photo", args=[_photo_token(p)])
                   for p in complaint.photos.order_by("pk")],
        "pass_token": token, "message": message,
        "may_add": may_add, "add_form": add_form or AddInformationForm(), "add_error": add_error,
        "photos_dropped": photos_dropped, "max_photos": actions.MAX_PHOTOS,
        "may_rate": may_rate, "rate_form": rate_form or RateForm(), "rate_error": rate_error,
    }, place, status=status))


@require_GET
def photo(request: HttpRequest, token: str) -> HttpResponse:
    """One of the villager's photos, re-encoded without EXIF (never a tip-off's original), for
    as long as the lookup's pass lasts."""
    try:
        data = signing.loads(token[:200], salt=PHOTO_SALT, max_age=lookup.PASS_SECONDS)
    except signing.BadSignature:
        raise Http404("no such photo") from None
    if not (isinstance(data, dict) and isinstance(data.get("p"), int) and isinstance(data.get("c"), int)):
        raise Http404("no such photo")
    row = ComplaintPhoto.objects.filter(pk=data["p"], complaint_id=data["c"]).first()
    if row is None or not row.shown:
        raise Http404("no such photo")
    with row.shown.open("rb") as shown:
        content = shown.read()
    response = HttpResponse(content, content_type=row.content_type or "image/jpeg")
    response["Content-Disposition"] = "inline"
    return _no_store(response)


# -- published answers ----------------------------------------------------------------------------


@require_GET
@cached_page  # a published complaint saved bumps the portal's generation (complaints/apps.py)
def answers(request: HttpRequest, village_code: str) -> HttpResponse:
    """公开答复: this village's complaints whose answer a commission officer published (names
    redacted). Tip-offs are never public."""
    place = place_or_404(village_code)
    rows = (Complaint.objects.filter(township_code=place.township_code, village_code=place.code,
                                     channel=Complaint.Channel.COMPLAINT, published_at__isnull=False)
            .only("reference", "category", "public_text", "public_answer", "created_at", "published_at")
            .order_by("-published_at", "-id"))
    raw = request.GET.get("page", "1")[:MAX_PAGE_PARAM]
    page = Paginator(rows, ANSWERS_PER_PAGE).get_page(int(raw) if raw.isdigit() else 1)
    return render_public(request, "complaints/public/answers.html", {"page": page}, place)


# -- the transfer callback ------------------------------------------------------------------------


def _json_error(status: int, zh: str, en: str) -> JsonResponse:
    return JsonResponse({"error": zh, "error_en": en}, status=status, json_dumps_params={"ensure_ascii": False})


@csrf_exempt  # another body's server posts here; the token in the URL is the proof
def transfer_callback(request: HttpRequest, token: str) -> HttpResponse:
    """POST {"answer": "...", "handled_by": "..."}: the answer of the body a complaint was
    transferred to (12345, a grid platform), recorded once."""
    if request.method != "POST":
        return _json_error(405, "请用 POST 提交", "use POST")
    if ratelimit.over_limit("complaint.transfer", _client(request), limit=TRANSFER_PER_MINUTE, seconds=60):
        return _json_error(429, "请求过于频繁，请一分钟后再试", "too many requests; try again in a minute")
    too_big = _json_error(413, f"内容不能超过 {TRANSFER_MAX_BODY // 1024} KB",
                          f"the body is limited to {TRANSFER_MAX_BODY // 1024} KB")
    if _content_length(request) > TRANSFER_MAX_BODY:
        return too_big
    body = request.read(TRANSFER_MAX_BODY + 1)
    if len(body) > TRANSFER_MAX_BODY:
        return too_big
    complaint = actions.transfer_complaint(token)
    if complaint is None:
        return _json_error(404, "没有这个转办回传地址", "no such transfer")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return _json_error(400, "内容不是有效的 JSON（UTF-8）", "the body is not valid JSON (UTF-8)")
    if (not isinstance(data, dict) or not isinstance(data.get("answer"), str)
            or not isinstance(data.get("handled_by", ""), str)):
        return _json_error(400, "须为 JSON 对象，含字符串 answer，可选字符串 handled_by",
                           'expected a JSON object with a string "answer" and an optional string "handled_by"')
    if complaint.status != Status.TRANSFERRED or complaint.answer:
        return _json_error(409, "此件的转办答复已记录", "the transfer's answer is already recorded")
    try:
        complaint = actions.do_record_transfer_answer(complaint=complaint, user=None, answer=data["answer"],
                                                      handled_by=data.get("handled_by", ""))
    except actions.ComplaintRefused as problem:
        complaint.refresh_from_db()
        conflict = complaint.status != Status.TRANSFERRED or bool(complaint.answer)
        return _json_error(409 if conflict else 400, problem.zh, problem.en)
    return JsonResponse({"ok": True, "reference": complaint.reference})


def warm_up() -> None:
    """Called once per server process (`mingjing/wsgi.py`): the category model and the slip's font,
    so that no villager's filing waits for them. A failure only means the first filing loads them."""
    try:
        from mingjing.complaints import slip, triage

        triage.classifier()
        slip.warm_up()
    except Exception:
        logging.getLogger("mingjing.complaints").exception("warming up the complaint pages failed")
