"""The access matrix of 监督一点通: every persona against complaints, tip-offs and public questions,
reading and each write, through the console (HTTP, `force_login`); and `policy.complaint_actions`
for every persona, state and channel.

Like tests/test_access_matrix.py, the expected outcome of each cell is written out below as data
(`EXPECTED`, one row per object and verb, one column per persona), from workflow.md ("Complaint
lifecycle"), issue 11 and the policy table's scopes, not computed from `mingjing.accounts.policy`.
Each cell is its own test (`test_cell[<row>-<persona>]`); a write checks its effect too: done when
allowed, nothing changed when refused.

The rules: complaints (public matters) are seen by the county, by the township commission of
their township, and by the organisation they are routed to; tip-offs (a person's conduct) only by
the discipline commission they are routed or escalated to (not even the county when it is the
township's). Never by an organisation a named person belongs to, as a staff member, an official
of the registers or an official's relative (recusal), however the complaint is routed. Accepting,
routing, rejecting, transferring, reassigning, categorising, publishing and opening an alert are
the accepting commission's (the county may on any complaint); answering and extending the
handler's; reviewing a second answer the level above, never the answer's author. 公开质询: the
county and township officers moderate (a township its own villages), village roles answer their
own village's questions; departments have no part in them.

Outcomes: `200` a page or file; `302` the tasks page's redirect to the filtered list; `ok` a write
that took effect (a redirect back to the page); `400` a form error; `403` refused; `404` not found
for this user (outside their jurisdiction, or ruled out); `login` sent to the sign-in page.

The world: county 110101 with township 001 (villages 201 = the village personas', 202) and township
002 (village 201). The named people: 孙七, a bookkeeper of village 001-201 (a staff account);
钱国庆, an official of village 001-201 in the officials register, and 周秀兰, his wife in the
relatives register; 王建国, an officer of township commission 001 (a staff account). Complaints,
each with a photo (shown without EXIF; a tip-off keeps its original, GPS included), routed as
filing routes them (`test_filing_routes_the_world_as_the_matrix_says` checks it):

- `village`: a complaint about 001-201, accepted and routed to the village;
- `department`: a complaint about 001-201, accepted and routed to 民政局;
- `tipoff`: a tip-off about 001-201, waiting to be accepted by township commission 001;
- `tipoff_cadre`: a tip-off naming 孙七, waiting at township commission 001;
- `tipoff_relative`: a tip-off naming 周秀兰, accepted and handled by township commission 001;
- `tipoff_township`: a tip-off naming 王建国, waiting at the county: township 001 is ruled out;
- `elsewhere`: a complaint about 002-201, waiting at township commission 002;
- `cadre_complaint`, `relative_complaint`: complaints naming 孙七 and 周秀兰, routed to the village
  all the same (as if routed by hand in the database): the recusal still hides them from it;
- `township_complaint`: a complaint naming 王建国, waiting at the county: township 001, which
  sees every other complaint of its township, does not see this one.

Questions: `ours` (village 001-201), `neighbour` (001-202), `elsewhere` (002-201).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings, settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from mingjing.accounts import policy
from mingjing.accounts.models import Organisation, Role
from mingjing.complaints import actions, codes, routing
from mingjing.complaints.models import Complaint, ComplaintEvent, ComplaintPhoto, Question
from mingjing.datahub.actions import do_import_file
from mingjing.lib import photos
from tests.alerts_fixtures import person
from tests.personas import PERSONAS, VILLAGE_ROLES, make_personas, org, staff

pytestmark = pytest.mark.django_db

COUNTY = "110101000000"
TOWNSHIP = "110101001000"
VILLAGE = "110101001201"  # the village personas' village
NEIGHBOUR = "110101001202"  # same township, another village
OTHER_TOWNSHIP = "110101002000"
ELSEWHERE = "110101002201"  # a village of the other township
CADRE = "孙七"  # a bookkeeper of VILLAGE (staff account)
OFFICIAL = "钱国庆"  # an official of VILLAGE in the officials register
RELATIVE = "周秀兰"  # the official's wife, in the relatives register
TOWNSHIP_OFFICER = "王建国"  # an officer of township commission 001 (staff account)
WEBHOOK = "http://127.0.0.1:9/transfer"  # never called: on_commit does not run inside a test's transaction


def row(spec: str) -> dict[str, str]:
    """One row of the table: an outcome per persona, in the order of `PERSONAS`."""
    outcomes = spec.split()
    assert len(outcomes) == len(PERSONAS), spec
    return dict(zip(PERSONAS, outcomes, strict=True))


# Who may read each complaint (detail, linked data and photos alike).
#                   admin  analyst township dept   v.book v.secr v.sup  v.memb other-t no-role anon
SEEN = {
    "village":         "200   200     200     404    200    200    200    200    404     403     login",
    "department":      "200   200     200     200    404    404    404    404    404     403     login",
    "tipoff":          "404   404     200     404    404    404    404    404    404     403     login",
    "tipoff_cadre":    "404   404     200     404    404    404    404    404    404     403     login",
    "tipoff_relative": "404   404     200     404    404    404    404    404    404     403     login",
    "tipoff_township": "200   200     404     404    404    404    404    404    404     403     login",
    "elsewhere":       "200   200     404     404    404    404    404    404    200     403     login",
    "cadre_complaint": "200   200     200     404    404    404    404    404    404     403     login",
    "relative_complaint": "200 200     200     404    404    404    404    404    404     403     login",
    "township_complaint": "200 200     404     404    404    404    404    404    404     403     login",
}
VARIANTS = list(SEEN)

# -- the expected matrix ------------------------------------------------------------------------------
#
# Columns:                           admin  analyst township dept   v.book v.secr v.sup  v.memb other-t no-role anon
EXPECTED: dict[str, dict[str, str]] = {
    # the list and my tasks: every role (each sees its own jurisdiction, see VISIBLE)
    "complaints.list":                row("200   200     200     200    200    200    200    200    200     403     login"),
    "complaints.tasks":               row("302   302     302     302    302    302    302    302    302     403     login"),
    # the export: commission staff only (county and township officers)
    "complaints.export":              row("200   200     200     403    403    403    403    403    200     403     login"),
    **{f"complaint.detail[{v}]": row(spec) for v, spec in SEEN.items()},
    **{f"complaint.linked[{v}]": row(spec) for v, spec in SEEN.items()},
    **{f"complaint.photo[{v}]": row(spec) for v, spec in SEEN.items()},
    # a tip-off's original photo: `complaint.contact` (commission staff) on the tip-offs they see;
    # a complaint keeps no original
    "complaint.original[tipoff]":     row("404   404     200     403    403    403    403    403    404     403     login"),
    "complaint.original[tipoff_township]": row("200 200    404     403    403    403    403    403    404     403     login"),
    "complaint.original[village]":    row("404   404     404     403    403    403    403    403    404     403     login"),
    # accepting, rejecting, transferring (a submitted complaint): the accepting commission, the county
    "act.accept[village]":            row("ok    ok      ok      404    404    404    404    404    404     403     login"),
    "act.reject[village]":            row("ok    ok      ok      404    404    404    404    404    404     403     login"),
    "act.transfer[village]":          row("ok    ok      ok      404    404    404    404    404    404     403     login"),
    "act.accept[elsewhere]":          row("ok    ok      404     404    404    404    404    404    ok      403     login"),
    # a tip-off: its commission only; the county only when it is the county's; never transferred
    "act.accept[tipoff]":             row("404   404     ok      404    404    404    404    404    404     403     login"),
    "act.accept[tipoff_cadre]":       row("404   404     ok      404    404    404    404    404    404     403     login"),
    "act.accept[tipoff_township]":    row("ok    ok      404     404    404    404    404    404    404     403     login"),
    "act.transfer[tipoff]":           row("404   404     403     404    404    404    404    404    404     403     login"),
    # once accepted (routed to the village): the commission routes and files, the village answers
    "act.reassign[village]":          row("ok    ok      ok      404    403    403    403    403    404     403     login"),
    "act.categorise[village]":        row("ok    ok      ok      404    403    403    403    403    404     403     login"),
    "act.open_alert[village]":        row("ok    ok      ok      404    403    403    403    403    404     403     login"),
    "act.answer[village]":            row("ok    403     403     404    ok     ok     ok     ok     404     403     login"),
    "act.extend[village]":            row("ok    403     403     404    ok     ok     ok     ok     404     403     login"),
    "act.note[village]":              row("ok    ok      ok      404    ok     ok     ok     ok     404     403     login"),
    "act.answer[department]":         row("ok    403     403     ok     404    404    404    404    404     403     login"),
    "act.answer[tipoff_relative]":    row("404   404     ok      404    404    404    404    404    404     403     login"),
    # transferred, answered, under review
    "act.record_transfer_answer[village]": row("ok ok     ok      404    404    404    404    404    404     403     login"),
    "act.publish[village]":           row("ok    ok      ok      404    403    403    403    403    404     403     login"),
    "act.review[village]":            row("ok    ok      ok      404    403    403    403    403    404     403     login"),
    # a township commission's own second answer: reviewed by the county, never by its author
    "act.review[own]":                row("ok    ok      403     404    404    404    404    404    404     403     login"),
    # 公开质询
    "questions.list":                 row("200   200     200     403    200    200    200    200    200     403     login"),
    "question.moderate[ours]":        row("ok    ok      ok      403    404    404    404    404    404     403     login"),
    "question.moderate[elsewhere]":   row("ok    ok      404     403    404    404    404    404    ok      403     login"),
    "question.answer[ours]":          row("403   403     403     403    ok     ok     ok     ok     404     403     login"),
    "question.answer[neighbour]":     row("403   403     403     403    404    404    404    404    404     403     login"),
}

# What each persona finds in the console list, and in the export for those who may export.
COUNTY_SEES = {"village", "department", "tipoff_township", "elsewhere", "cadre_complaint", "relative_complaint",
               "township_complaint"}
VILLAGE_SEES = {"village"}
VISIBLE: dict[str, set[str]] = {
    "county_admin": COUNTY_SEES,
    "county_analyst": COUNTY_SEES,
    "township_officer": {"village", "department", "tipoff", "tipoff_cadre", "tipoff_relative", "cadre_complaint",
                         "relative_complaint"},
    "department_officer": {"department"},
    **{name: VILLAGE_SEES for name in VILLAGE_ROLES},
    "other_township": {"elsewhere"},
}
EXPORTERS = ["county_admin", "county_analyst", "township_officer", "other_township"]


# -- the world ----------------------------------------------------------------------------------------


def login_url() -> str:
    return resolve_url(settings.LOGIN_URL)


def body(response: Any) -> bytes:
    if response.streaming:
        if not hasattr(response, "_read"):
            response._read = b"".join(response.streaming_content)
        return bytes(response._read)
    return bytes(response.content)


def outcome(response: Any, ok: tuple[int, ...] = ()) -> str:
    """The cell's outcome as the table spells it."""
    code = response.status_code
    body(response)  # a file is read to the end
    if code == 302 and response["Location"].startswith(login_url()):
        return "login"
    if code in ok:
        return "ok"
    return str(code)


def jpeg_with_gps() -> bytes:
    """A small photo as a phone takes it: with where it was taken in its EXIF."""
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 5.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(out, "JPEG", exif=exif)
    return out.getvalue()


def has_gps(data: bytes) -> bool:
    return 0x8825 in Image.open(io.BytesIO(data)).getexif()


@functools.cache
def clean_jpeg() -> photos.CleanPhoto:
    """The photo as filing keeps it to show: re-encoded, without EXIF."""
    return photos.clean_photo(jpeg_with_gps())


@functools.cache
def secret_hash() -> str:
    return codes.hash_secret(codes.new_secret())


# What each complaint says: (channel, text, village, people named).
FILED: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "village": ("complaint", "村里修路的钱一直没有公开，路面已经开裂。", VILLAGE, ()),
    "department": ("complaint", "我家的低保这三个月都没有发放，问了也没人答复。", VILLAGE, ()),
    "tipoff": ("tipoff", "村干部在发放补贴时收取好处费。", VILLAGE, ()),
    "tipoff_cadre": ("tipoff", f"{CADRE}把集体的鱼塘低价包给了自己的亲戚。", VILLAGE, (CADRE,)),
    "tipoff_relative": ("tipoff", f"{RELATIVE}冒领了低保，村干部打招呼给办的。", VILLAGE, (RELATIVE,)),
    "tipoff_township": ("tipoff", f"镇纪委的{TOWNSHIP_OFFICER}收了村里的礼品。", VILLAGE, (TOWNSHIP_OFFICER,)),
    "elsewhere": ("complaint", "河口村的村道修好不到一年就坏了。", ELSEWHERE, ()),
    "cadre_complaint": ("complaint", f"{CADRE}管的账目从来不公开。", VILLAGE, (CADRE,)),
    "relative_complaint": ("complaint", f"{RELATIVE}家的危房改造补助比别人多。", VILLAGE, (RELATIVE,)),
    "township_complaint": ("complaint", f"镇里的{TOWNSHIP_OFFICER}一直不回复村民的反映。", VILLAGE, (TOWNSHIP_OFFICER,)),
}


class World:
    """Organisations, personas, the named people and the registers; complaints and questions when
    a cell first asks."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.county = org("county_commission", "县纪委监委", COUNTY)
        self.township = org("township_commission", "城关镇纪委", TOWNSHIP)
        self.other_township = org("township_commission", "东河镇纪委", OTHER_TOWNSHIP)
        self.civil_affairs = org("department", "县民政局", department="民政局")
        self.finance = org("department", "县财政局", department="财政局")
        self.village = org("village", "东风村", VILLAGE)
        self.neighbour = org("village", "西山村", NEIGHBOUR)
        self.elsewhere = org("village", "河口村", ELSEWHERE)
        self.users = make_personas(county=self.county, township=self.township, other_township=self.other_township,
                                   department=self.civil_affairs, village=self.village)
        self.cadre = self._named("cadre", CADRE, self.village, Role.VILLAGE_BOOKKEEPER)
        self.township_named = self._named("wangjianguo", TOWNSHIP_OFFICER, self.township, Role.TOWNSHIP_OFFICER)

    @staticmethod
    def _named(username: str, name: str, organisation: Organisation, role: Role) -> User:
        user = staff(username, organisation, role)
        user.first_name = name
        user.save(update_fields=["first_name"])
        return user

    def user(self, persona: str) -> User | None:
        return self.users[persona]

    def client(self, persona: str) -> Client:
        client = Client()
        user = self.users[persona]
        if user is not None:
            client.force_login(user)
        return client

    def import_registers(self) -> None:
        """钱国庆, an official of VILLAGE, and his wife 周秀兰 (synthetic ID numbers)."""
        official, relative = person(30, "19700101"), person(31, "19720101")
        officials = self.tmp_path / "officials.csv"
        officials.write_text(f"身份证号,姓名,村(社区)代码,职务,任职开始\n{official},{OFFICIAL},{VILLAGE},村委会主任,2021-01-01\n",
                             encoding="utf-8")
        relatives = self.tmp_path / "relatives.csv"
        relatives.write_text(f"干部身份证号,亲属身份证号,亲属姓名,关系\n{official},{relative},{RELATIVE},配偶\n",
                             encoding="utf-8")
        do_import_file("officials", officials)
        do_import_file("relatives", relatives)

    def handler_of(self, variant: str) -> Organisation:
        """Who answers each complaint once accepted."""
        return {
            "village": self.village, "department": self.civil_affairs, "tipoff": self.township,
            "tipoff_cadre": self.township, "tipoff_relative": self.township, "tipoff_township": self.county,
            "elsewhere": self.elsewhere, "cadre_complaint": self.village, "relative_complaint": self.village,
            "township_complaint": self.county,
        }[variant]

    @cached_property
    def complaints(self) -> dict[str, Complaint]:
        """The complaints as filing routes them (`test_filing_routes_the_world_as_the_matrix_says`
        files them through the action, registers imported, and compares): made here as rows, as
        filing each with its slow hash of the code would make every cell slow."""
        made = {name: self._complaint(name) for name in VARIANTS}
        for name in ("village", "department", "tipoff_relative", "cadre_complaint", "relative_complaint"):
            made[name] = self.put(made[name], "accepted", name)
        return made

    def routing_of(self, variant: str) -> tuple[Organisation, set[int]]:
        """Where filing sends each complaint, and the organisations ruled out."""
        if variant in ("tipoff_township", "township_complaint"):
            return self.county, {self.township.pk}
        if variant in ("tipoff_cadre", "cadre_complaint", "tipoff_relative", "relative_complaint"):
            return self.township, {self.village.pk}
        return (self.other_township if variant == "elsewhere" else self.township), set()

    def _complaint(self, variant: str) -> Complaint:
        channel, text, village, people = FILED[variant]
        triage, excluded = self.routing_of(variant)
        complaint = Complaint.objects.create(
            reference=codes.new_reference(), secret_hash=secret_hash(), channel=channel, village_code=village,
            township_code=village[:9] + "000", text=text, people=list(people),
            people_text=f",{','.join(people)}," if people else "", triage=triage,
            excluded_orgs=routing.as_text(excluded), accept_due=timezone.now() + dt.timedelta(days=1))
        photo = clean_jpeg()
        shot = ComplaintPhoto(complaint=complaint, content_type=photo.content_type, width=photo.width,
                              height=photo.height, sha256=photo.sha256)
        shot.shown.save(f"{variant}{photo.extension}", ContentFile(photo.data), save=False)
        if complaint.is_tipoff:
            shot.original.save(f"{variant}.jpeg", ContentFile(jpeg_with_gps()), save=False)
        shot.save()
        return complaint

    def put(self, complaint: Complaint, state: str, variant: str) -> Complaint:
        """Put a complaint in the state an action needs (as if the lifecycle had got it there)."""
        now = timezone.now()
        handled = {"handler": self.handler_of(variant), "accepted_at": now, "category": "project",
                   "answer_due": now + dt.timedelta(days=14)}
        answer = {"answer": "经核实，已整改。", "answered_at": now, "answer_by": self.users["village_secretary"]}
        states: dict[str, dict[str, Any]] = {
            "submitted": {"status": Complaint.Status.SUBMITTED, "handler": None},
            "accepted": {"status": Complaint.Status.ACCEPTED, **handled},
            "transferred": {"status": Complaint.Status.TRANSFERRED, "handler": None, "transfer_body": "12345"},
            "answered": {"status": Complaint.Status.ANSWERED, **handled, **answer,
                         "rate_due": now + dt.timedelta(days=7)},
            # a second answer after "not resolved", written by the village, reviewed by its township
            "under_review": {"status": Complaint.Status.UNDER_REVIEW, **handled, **answer, "reopened_count": 1,
                             "escalated_to": routing.level_above(self.handler_of(variant), complaint.village_code,
                                                               routing.ids_of(complaint.excluded_orgs)),
                             "answer_by": self.users["village_bookkeeper"]},
            # the township commission's own second answer: the county reviews it
            "own": {"status": Complaint.Status.UNDER_REVIEW, **handled, **answer, "reopened_count": 1,
                    "handler": self.township, "escalated_to": self.county,
                    "answer_by": self.users["township_officer"]},
        }
        Complaint.objects.filter(pk=complaint.pk).update(**states[state])
        complaint.refresh_from_db()
        return complaint

    @cached_property
    def questions(self) -> dict[str, Question]:
        def ask(village: str, text: str) -> Question:
            return Question.objects.create(village_code=village, text=text, asker="村民")

        return {"ours": ask(VILLAGE, "今年的道路维修款用在哪里了？"), "neighbour": ask(NEIGHBOUR, "村里的鱼塘承包费收了多少？"),
                "elsewhere": ask(ELSEWHERE, "村集体的山林是怎么承包出去的？")}

    def publish(self, question: Question) -> Question:
        Question.objects.filter(pk=question.pk).update(status=Question.Status.PUBLISHED, published_at=timezone.now())
        question.refresh_from_db()
        return question


@pytest.fixture
def world(settings: LazySettings, tmp_path: Path) -> World:
    settings.COMPLAINT_TRANSFER_WEBHOOKS = {"12345": WEBHOOK}
    settings.MEDIA_ROOT = tmp_path / "media"
    return World(tmp_path)


# -- the cells: what each row does, and whether a write took effect ----------------------------------

Case = Callable[[World, str], tuple[str, bool | None]]
CASES: dict[str, Case] = {}


def case(name: str) -> Callable[[Case], Case]:
    def register(fn: Case) -> Case:
        assert name in EXPECTED, name
        CASES[name] = fn
        return fn

    return register


def console(name: str, *args: Any) -> str:
    return reverse(f"console:{name}", args=args)


def page(name: str, url: Callable[[World], str]) -> None:
    """A read: GET the URL, no effect to check."""

    @case(name)
    def read(w: World, p: str) -> tuple[str, bool | None]:
        return outcome(w.client(p).get(url(w))), None


def with_data(w: World, url: str) -> str:
    """A list URL, with the complaints and questions made first (so there is something to show)."""
    assert w.complaints and w.questions
    return url


page("complaints.list", lambda w: with_data(w, console("complaints")))
page("complaints.tasks", lambda w: with_data(w, console("complaints_tasks")))
page("complaints.export", lambda w: with_data(w, console("complaints_export")))


def detail(variant: str) -> None:
    page(f"complaint.detail[{variant}]", lambda w: console("complaint", w.complaints[variant].pk))
    page(f"complaint.linked[{variant}]", lambda w: console("complaint_linked", w.complaints[variant].pk))

    @case(f"complaint.photo[{variant}]")
    def photo(w: World, p: str) -> tuple[str, bool | None]:
        complaint = w.complaints[variant]
        shot = ComplaintPhoto.objects.get(complaint=complaint)
        response = w.client(p).get(console("complaint_photo", complaint.pk, shot.pk))
        if response.status_code == 200:  # the copy as shown: where it was taken is gone
            assert not has_gps(body(response))
        return outcome(response), None


for _v in VARIANTS:
    detail(_v)


def original(variant: str) -> None:
    @case(f"complaint.original[{variant}]")
    def get(w: World, p: str) -> tuple[str, bool | None]:
        complaint = w.complaints[variant]
        shot = ComplaintPhoto.objects.get(complaint=complaint)
        response = w.client(p).get(console("complaint_photo_original", complaint.pk, shot.pk))
        if response.status_code == 200:  # the evidence as sent, GPS included
            assert has_gps(body(response))
        return outcome(response), None


for _v in ("tipoff", "tipoff_township", "village"):
    original(_v)


# The actions: (the complaint, the state it is put in, the form's fields, the effect looked for).
Fields = Callable[[World], dict[str, Any]]
Effect = Callable[[World, Complaint, Complaint], bool]


def status_is(status: str) -> Effect:
    return lambda w, before, after: before.status != status and after.status == status


ACCEPT_PROJECT: Fields = lambda w: {"category": "project", "handler": "", "note": ""}  # noqa: E731
ACCEPT_CONDUCT: Fields = lambda w: {"category": "conduct", "handler": "", "note": ""}  # noqa: E731
TRANSFER: Fields = lambda w: {"body": "12345", "reason": "属于市政设施维修，转12345办理。"}  # noqa: E731
ANSWER: Fields = lambda w: {"answer": "经核实，已安排返修并公开支出。", "public_answer": "经核实，已安排返修并公开支出。"}  # noqa: E731
ACTIONS: dict[str, tuple[str, str, Fields, Effect]] = {
    "accept[village]": ("village", "submitted", ACCEPT_PROJECT, status_is(Complaint.Status.ACCEPTED)),
    "reject[village]": ("village", "submitted", lambda w: {"reason": "不属于纪检监察机关受理范围。"},
                        status_is(Complaint.Status.REJECTED)),
    "transfer[village]": ("village", "submitted", TRANSFER, status_is(Complaint.Status.TRANSFERRED)),
    "accept[elsewhere]": ("elsewhere", "submitted", ACCEPT_PROJECT, status_is(Complaint.Status.ACCEPTED)),
    "accept[tipoff]": ("tipoff", "submitted", ACCEPT_CONDUCT, status_is(Complaint.Status.ACCEPTED)),
    "accept[tipoff_cadre]": ("tipoff_cadre", "submitted", ACCEPT_CONDUCT, status_is(Complaint.Status.ACCEPTED)),
    "accept[tipoff_township]": ("tipoff_township", "submitted", ACCEPT_CONDUCT, status_is(Complaint.Status.ACCEPTED)),
    "transfer[tipoff]": ("tipoff", "submitted", TRANSFER, status_is(Complaint.Status.TRANSFERRED)),
    "reassign[village]": ("village", "accepted", lambda w: {"handler": w.civil_affairs.pk, "reason": "涉及低保资金，改由民政局办理。"},
                          lambda w, before, after: after.handler_id == w.civil_affairs.pk),
    "categorise[village]": ("village", "accepted", lambda w: {"category": "assets"},
                            lambda w, before, after: after.category == "assets"),
    "open_alert[village]": ("village", "accepted", lambda w: {"level": "medium"},
                            lambda w, before, after: after.alert_id is not None),
    "answer[village]": ("village", "accepted", ANSWER, status_is(Complaint.Status.ANSWERED)),
    "extend[village]": ("village", "accepted", lambda w: {"days": "5", "reason": "需要现场测量。"},
                        lambda w, before, after: after.extended and not before.extended),
    "note[village]": ("village", "accepted", lambda w: {"note": "已电话回访反映人。"},
                      lambda w, before, after: ComplaintEvent.objects.filter(complaint=after, kind="note").exists()),
    "answer[department]": ("department", "accepted", ANSWER, status_is(Complaint.Status.ANSWERED)),
    "answer[tipoff_relative]": ("tipoff_relative", "accepted", ANSWER, status_is(Complaint.Status.ANSWERED)),
    "record_transfer_answer[village]": ("village", "transferred",
                                        lambda w: {"answer": "已派人维修路面。", "handled_by": "12345热线"},
                                        status_is(Complaint.Status.ANSWERED)),
    "publish[village]": ("village", "answered",
                         lambda w: {"public_text": "反映村道修建资金未公开。", "public_answer": "已在村务公开栏公开支出明细。"},
                         lambda w, before, after: after.published_at is not None),
    "review[village]": ("village", "under_review", lambda w: {"decision": "approve", "note": ""},
                        status_is(Complaint.Status.ANSWERED)),
    "review[own]": ("village", "own", lambda w: {"decision": "approve", "note": ""},
                    status_is(Complaint.Status.ANSWERED)),
}


def act(name: str) -> None:
    variant, state, fields, effect = ACTIONS[name]
    action = name.split("[")[0]

    @case(f"act.{name}")
    def post(w: World, p: str) -> tuple[str, bool | None]:
        complaint = w.put(w.complaints[variant], state, variant)
        before = Complaint.objects.get(pk=complaint.pk)
        data = {f"{action}-{k}": v for k, v in fields(w).items()}
        response = w.client(p).post(console("complaint_act", complaint.pk, action), data)
        after = Complaint.objects.get(pk=complaint.pk)
        return outcome(response, ok=(302,)), effect(w, before, after)


for _name in ACTIONS:
    act(_name)


# 公开质询
page("questions.list", lambda w: with_data(w, console("questions")))


def moderate(variant: str) -> None:
    @case(f"question.moderate[{variant}]")
    def post(w: World, p: str) -> tuple[str, bool | None]:
        question = w.questions[variant]
        response = w.client(p).post(console("question_moderate", question.pk), {"decision": "publish", "reason": ""})
        question.refresh_from_db()
        return outcome(response, ok=(302,)), question.status == Question.Status.PUBLISHED


def answer(variant: str) -> None:
    @case(f"question.answer[{variant}]")
    def post(w: World, p: str) -> tuple[str, bool | None]:
        question = w.publish(w.questions[variant])
        response = w.client(p).post(console("question_answer", question.pk), {"answer": "维修款已在村务栏公开。"})
        question.refresh_from_db()
        return outcome(response, ok=(302,)), question.status == Question.Status.ANSWERED


moderate("ours")
moderate("elsewhere")
answer("ours")
answer("neighbour")


# -- the tests ----------------------------------------------------------------------------------------


def test_every_row_of_the_table_has_a_case() -> None:
    assert set(CASES) == set(EXPECTED)


CELLS = [pytest.param(r, p, id=f"{r}-{p}") for r in EXPECTED for p in PERSONAS]


@pytest.mark.parametrize(("cell", "persona"), CELLS)
def test_cell(world: World, cell: str, persona: str) -> None:
    expected = EXPECTED[cell][persona]
    seen, changed = CASES[cell](world, persona)
    assert seen == expected, f"{cell} as {persona}: expected {expected}, got {seen}"
    if changed is not None:
        assert changed == (expected == "ok"), (
            f"{cell} as {persona}: answered {seen} but the write {'did' if changed else 'did not'} take effect")


def test_an_unknown_action_is_not_found(world: World) -> None:
    complaint = world.complaints["village"]
    response = world.client("county_admin").post(console("complaint_act", complaint.pk, "delete"), {})
    assert response.status_code == 404


def test_filing_routes_the_world_as_the_matrix_says(world: World) -> None:
    """Filed through the action, with the officials and relatives registers imported, each
    complaint of the world goes where `World.routing_of` puts it, with the same organisations
    ruled out (staff named by name, an official's relative through the registers)."""
    world.import_registers()
    for variant, (channel, text, village, people) in FILED.items():
        filed = actions.do_file_complaint(channel=channel, village_code=village, text=text, people=list(people),
                                          photo_uploads=[jpeg_with_gps()]).complaint
        triage, excluded = world.routing_of(variant)
        assert (filed.triage, routing.ids_of(filed.excluded_orgs)) == (triage, excluded), variant
        shot = ComplaintPhoto.objects.get(complaint=filed)
        assert not has_gps(shot.shown.read()) and bool(shot.original) == filed.is_tipoff, variant


# -- what the lists and the export show: exactly the jurisdiction -------------------------------------


def names_of(w: World, pks: set[int]) -> set[str]:
    by_pk = {c.pk: name for name, c in w.complaints.items()}
    return {by_pk.get(pk, f"#{pk}") for pk in pks}


@pytest.mark.parametrize("persona", list(VISIBLE))
def test_the_list_shows_exactly_the_jurisdiction(world: World, persona: str) -> None:
    assert world.complaints
    response = world.client(persona).get(console("complaints"))
    assert response.status_code == 200
    listed = {int(n) for n in re.findall(r'data-complaint="(\d+)"', response.content.decode())}
    assert names_of(world, listed) == VISIBLE[persona]


@pytest.mark.parametrize("persona", EXPORTERS)
def test_the_export_holds_exactly_the_rows_the_persona_may_see(world: World, persona: str) -> None:
    assert world.complaints
    response = world.client(persona).get(console("complaints_export"))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(body(response)), read_only=True).worksheets[0].iter_rows(values_only=True))[1:]
    assert len(rows) == len(VISIBLE[persona])
    by_reference = {c.reference: name for name, c in world.complaints.items()}
    assert {by_reference.get(str(r[0]), str(r[0])) for r in rows} == VISIBLE[persona]


def test_a_village_never_finds_a_tipoff_about_its_own_cadre_or_an_officials_relative(world: World) -> None:
    """The heart of recusal, through every page a village account can reach: the list, every
    filter of it, my tasks, the detail, linked data and photos."""
    ruled_out = [world.complaints[name] for name in ("tipoff_cadre", "tipoff_relative", "cadre_complaint",
                                                     "relative_complaint")]
    for persona in VILLAGE_ROLES:
        client = world.client(persona)
        for query in ("", "?channel=tipoff", f"?village={VILLAGE}", "?mine=1", "?status=accepted", "?colour=yellow"):
            html = client.get(console("complaints") + query).content.decode()
            for complaint in ruled_out:
                assert complaint.reference not in html, (persona, query)
        for complaint in ruled_out:
            shot = ComplaintPhoto.objects.get(complaint=complaint)
            for url in (console("complaint", complaint.pk), console("complaint_linked", complaint.pk),
                        console("complaint_photo", complaint.pk, shot.pk)):
                assert client.get(url).status_code == 404, (persona, url)
    # ... and the cadre himself, a member of that village
    client = Client()
    client.force_login(world.cadre)
    assert client.get(console("complaint", world.complaints["tipoff_cadre"].pk)).status_code == 404
    # The commission handles them; the village is never among the handlers it may choose.
    for complaint in ruled_out:
        assert world.village not in routing.handler_choices(complaint)
    assert world.township in routing.handler_choices(world.complaints["tipoff_relative"])


# -- the policy's answer: every persona, state and channel --------------------------------------------

T = Complaint.Status
NOTHING: frozenset[str] = frozenset()


def acts(spec: str) -> frozenset[str]:
    return frozenset(spec.split())


# What the accepting commission may do in each state (a complaint; the county on any complaint).
# Written out per cell below; these names only keep the table readable.
TRIAGE_SUBMITTED = acts("accept reject transfer categorise open_alert note")
TRIAGE_ACCEPTED = acts("reassign transfer categorise open_alert note")
TRIAGE_REVIEW = acts("categorise open_alert note review")  # reviewing the handler's second answer
TRIAGE_ANSWERED = acts("categorise open_alert publish note")
TRIAGE_TRANSFERRED = acts("record_transfer_answer note")
HANDLER_ACCEPTED = acts("answer extend note")
NOTE = acts("note")

# The complaint: about VILLAGE, accepted by township commission 001, answered by the village (a
# second answer by the village's bookkeeper, reviewed by the township). Submitted, rejected and
# transferred ones have no handler.
#                 admin, analyst, township, dept, v.book, v.secr, v.sup, v.memb, other-t, no-role, anon
COMPLAINT_TABLE: dict[str, list[frozenset[str]]] = {
    T.SUBMITTED: [TRIAGE_SUBMITTED, TRIAGE_SUBMITTED, TRIAGE_SUBMITTED, NOTHING, *[NOTHING] * 4, NOTHING, NOTHING,
                  NOTHING],
    T.ACCEPTED: [TRIAGE_ACCEPTED | acts("answer extend"), TRIAGE_ACCEPTED, TRIAGE_ACCEPTED, NOTHING,
                 *[HANDLER_ACCEPTED] * 4, NOTHING, NOTHING, NOTHING],
    T.UNDER_REVIEW: [TRIAGE_REVIEW, TRIAGE_REVIEW, TRIAGE_REVIEW, NOTHING, *[NOTE] * 4, NOTHING, NOTHING, NOTHING],
    T.ANSWERED: [TRIAGE_ANSWERED, TRIAGE_ANSWERED, TRIAGE_ANSWERED, NOTHING, *[NOTE] * 4, NOTHING, NOTHING, NOTHING],
    T.CLOSED: [TRIAGE_ANSWERED, TRIAGE_ANSWERED, TRIAGE_ANSWERED, NOTHING, *[NOTE] * 4, NOTHING, NOTHING, NOTHING],
    T.REJECTED: [NOTE, NOTE, NOTE, NOTHING, *[NOTHING] * 4, NOTHING, NOTHING, NOTHING],
    T.TRANSFERRED: [TRIAGE_TRANSFERRED, TRIAGE_TRANSFERRED, TRIAGE_TRANSFERRED, NOTHING, *[NOTHING] * 4, NOTHING,
                    NOTHING, NOTHING],
}
# The tip-off: about VILLAGE, accepted and handled by township commission 001 (a second answer by
# its officer, reviewed by the county, where it is escalated). Never published, never transferred
# outside the commissions, never made an alert (alerts are read county-wide); the county has no
# part in it until it is escalated there.
TIPOFF_TABLE: dict[str, list[frozenset[str]]] = {
    T.SUBMITTED: [NOTHING, NOTHING, acts("accept reject categorise note"), NOTHING, *[NOTHING] * 4,
                  NOTHING, NOTHING, NOTHING],
    T.ACCEPTED: [NOTHING, NOTHING, acts("reassign categorise note answer extend"), NOTHING,
                 *[NOTHING] * 4, NOTHING, NOTHING, NOTHING],
    T.UNDER_REVIEW: [acts("categorise note review"), acts("categorise note review"), acts("categorise note"), NOTHING, *[NOTHING] * 4,
                     NOTHING, NOTHING, NOTHING],
    T.ANSWERED: [NOTHING, NOTHING, acts("categorise note"), NOTHING, *[NOTHING] * 4, NOTHING, NOTHING,
                 NOTHING],
    T.CLOSED: [NOTHING, NOTHING, acts("categorise note"), NOTHING, *[NOTHING] * 4, NOTHING, NOTHING,
               NOTHING],
    T.REJECTED: [NOTHING, NOTHING, NOTE, NOTHING, *[NOTHING] * 4, NOTHING, NOTHING, NOTHING],
    T.TRANSFERRED: [NOTHING, NOTHING, TRIAGE_TRANSFERRED, NOTHING, *[NOTHING] * 4, NOTHING, NOTHING, NOTHING],
}
TABLES: dict[str, dict[str, list[frozenset[str]]]] = {"complaint": COMPLAINT_TABLE, "tipoff": TIPOFF_TABLE}
def test_the_policy_table_covers_every_state() -> None:
    for table in TABLES.values():
        assert set(table) == set(Complaint.Status.values)
        assert all(len(cells) == len(PERSONAS) for cells in table.values())


def complaint_in(w: World, channel: str, state: str) -> Complaint:
    """An unsaved complaint in `state` (the policy reads its fields, never the database row)."""
    tipoff = channel == Complaint.Channel.TIPOFF
    handler = w.township if tipoff else w.village
    handled = state in (T.ACCEPTED, T.UNDER_REVIEW, T.ANSWERED, T.CLOSED)
    review = state == T.UNDER_REVIEW
    return Complaint(
        pk=10_000, reference="REFTEST1", channel=channel, status=state, village_code=VILLAGE, township_code=TOWNSHIP,
        text="测试", triage=w.township, handler=handler if handled else None,
        escalated_to=(w.county if tipoff else w.township) if review else None,
        reopened_count=1 if review else 0,
        answer_by=(w.users["township_officer"] if tipoff else w.users["village_bookkeeper"]) if review else None,
        answer="答复" if state in (T.UNDER_REVIEW, T.ANSWERED, T.CLOSED) else "",
    )


POLICY_CELLS = [
    pytest.param(channel, state, persona, id=f"{channel}-{state}-{persona}")
    for channel in TABLES for state in Complaint.Status.values for persona in PERSONAS
]


@pytest.mark.parametrize(("channel", "state", "persona"), POLICY_CELLS)
def test_complaint_actions_follow_the_table(world: World, channel: str, state: str, persona: str) -> None:
    complaint = complaint_in(world, channel, state)
    expected = TABLES[channel][state][PERSONAS.index(persona)]
    assert policy.complaint_actions(world.user(persona), complaint) == expected


def test_a_named_person_rules_their_organisation_out_of_every_action(world: World) -> None:
    """Recusal beats every role: a township commission whose officer is named can do nothing to the
    complaint, in any state, even when it is routed to it."""
    for state in Complaint.Status.values:
        complaint = complaint_in(world, Complaint.Channel.COMPLAINT, state)
        complaint.excluded_orgs = routing.as_text([world.township.pk, world.village.pk])
        for persona in ("township_officer", *VILLAGE_ROLES):
            assert policy.complaint_actions(world.user(persona), complaint) == set(), (state, persona)


# -- the public pages: tip-offs never there, their originals nowhere ----------------------------------


def test_tipoffs_never_appear_on_the_public_pages(world: World) -> None:
    """Even a tip-off carrying a public text and a publication date (as if published by mistake)
    is on no public page; a published complaint is."""
    tipoff, complaint = world.complaints["tipoff"], world.complaints["village"]
    for item, text in ((tipoff, "举报的公开文本不应出现"), (complaint, "投诉的公开文本")):
        Complaint.objects.filter(pk=item.pk).update(public_text=text, public_answer="公开答复", published_at=timezone.now())
    pages = [reverse("portal:village", args=[VILLAGE]), reverse("portal:complaints", args=[VILLAGE]),
             reverse("portal:complaint_answers", args=[VILLAGE]), reverse("portal:question_list", args=[VILLAGE])]
    seen = ""
    for url in pages:
        response = Client().get(url)
        assert response.status_code == 200, url
        seen += response.content.decode()
    assert "投诉的公开文本" in seen
    for item in (tipoff, world.complaints["tipoff_cadre"], world.complaints["tipoff_relative"]):
        assert item.reference not in seen and item.text not in seen
    assert "举报的公开文本不应出现" not in seen


def test_a_tipoffs_original_photo_has_no_public_address(world: World) -> None:
    """The villager's own lookup shows the tip-off's photo re-encoded, without GPS; the original's
    bytes and stored name are reachable from no public address."""
    filed = actions.do_file_complaint(channel="tipoff", village_code=VILLAGE, text="村会计挪用了集体资金。",
                                      photo_uploads=[jpeg_with_gps()])
    shot = ComplaintPhoto.objects.get(complaint=filed.complaint)
    original_bytes = shot.original.read()
    assert has_gps(original_bytes)
    client = Client()
    html = client.post(reverse("portal:complaint_status", args=[VILLAGE]), {"code": str(filed.code)}).content.decode()
    urls = re.findall(r'<img src="([^"]*/complaints/photo/[^"]+)"', html)
    assert len(urls) == 1
    served = client.get(urls[0])
    assert served.status_code == 200
    assert served.content != original_bytes and not has_gps(served.content)
    stored = shot.original.name or ""
    assert stored and stored not in html and Path(stored).name not in html
    assert client.get(f"{settings.MEDIA_URL}{stored}").status_code == 404
    assert client.get(urls[0].replace("/photo/", "/photo/x")).status_code == 404  # a forged token


# -- every complaint console route is in the matrix ---------------------------------------------------

# Console routes (namespace `console`) whose access is covered by a row above, and those left out
# with the reason. tests/test_access_matrix.py counts these as covered too.
COVERED = {
    "complaints", "complaints_tasks", "complaints_export", "complaint", "complaint_linked", "complaint_photo",
    "complaint_photo_original", "complaint_act", "questions", "question_moderate", "question_answer",
}
LEFT_OUT: dict[str, str] = {}


def complaint_console_routes() -> set[str]:
    console_ns = get_resolver().namespace_dict["console"][1]
    return {name for name in console_ns.reverse_dict if isinstance(name, str)
            and name.startswith(("complaint", "question"))}


def test_every_complaint_console_route_is_in_the_matrix() -> None:
    names = complaint_console_routes()
    missing = names - COVERED - set(LEFT_OUT)
    assert not missing, f"complaint console routes with no row in the access matrix: {sorted(missing)}"
    stale = (COVERED | set(LEFT_OUT)) - names
    assert not stale, f"routes named in the complaints matrix that no longer exist: {sorted(stale)}"


def test_every_complaint_permission_has_a_row() -> None:
    """A new complaint or question permission in the policy table needs its row here (and a case)."""
    mine = {name for name in policy.PERMISSIONS if name.split(".")[0] in ("complaint", "question")}
    covered_by = {"complaint.view": "complaint.detail[village]", "complaint.triage": "act.accept[village]",
                  "complaint.handle": "act.answer[village]", "complaint.review": "act.review[village]",
                  "complaint.contact": "complaint.original[tipoff]", "complaint.export": "complaints.export",
                  "question.moderate": "question.moderate[ours]", "question.answer": "question.answer[ours]"}
    assert mine == set(covered_by), sorted(mine ^ set(covered_by))
    assert set(covered_by.values()) <= set(EXPECTED)
