"""The access matrix of the villager portal's staff pages: every persona against every new kind of
object (disclosures, categories, policy texts, the micro-power list, the outbox, posters), reading
and each write, through the console (HTTP, `force_login`).

Like tests/test_access_matrix.py, the expected outcome of each cell is written out below as data
(`EXPECTED`, one row per kind of object and verb, one column per persona) from workflow.md and the
policy table's scopes, not computed from `mingjing.accounts.policy`. Each cell is its own test
(`test_cell[<row>-<persona>]`); a write checks its effect too: done when allowed, nothing changed
when refused.

The rules: staff pages need a role (signed in without one: 403; anonymous: the sign-in page).
Objects outside a user's queryset are 404; in it, but the permission or its scope refuses: 403.
Disclosures: the county sees all, a township officer its villages, village roles their own village;
departments hold no disclosure permission. Drafting, submitting and correcting are for the village
roles of the item's village; approving and returning for the village's supervision committee chair,
never on an item they drafted; bulk import for the county and township officers (their villages);
categories for the county administrator. Policy texts: the county. Micro-power list: the county
edits the basic list, a village its own additions (the basic list read only); townships and
departments none. Outbox: the county and township officers (a township its villages'
subscribers); sending a message again is the county's (a township's outbox is for reading).
Posters: the county any township, a township officer its own, village roles their own village.

Outcomes: `200` a page or file; `ok` a write that took effect (a redirect; a bulk import's report;
a poster PDF); `400` a bulk import refused row by row; `403`; `404`; `login`.

The world: county 110101 with township 001 (villages 201 = the village personas', 202) and township
002 (village 201). Disclosures: `draft` (village 001-201, by the bookkeeper), `submitted` (001-201,
drafted by the bookkeeper), `own_submitted` (001-201, drafted by the supervision committee chair),
`published` (001-201), `neighbour` (a draft of 001-202), `elsewhere` (a draft of 002-201).
Micro-power items: `basic` (the county's list), `own` (001-201's addition), `elsewhere` (002-201's).
Outbox: a failed message to a subscriber of 001-201 (`ours`) and one of 002-201 (`elsewhere`).
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Callable
from functools import cached_property
from typing import Any

import pytest
from django.conf import LazySettings, settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import get_resolver, reverse
from openpyxl import Workbook

from mingjing.portal import disclosures as d
from mingjing.portal import policies
from mingjing.portal.categories import sync_categories
from mingjing.portal.models import (
    Disclosure,
    DisclosureAttachment,
    DisclosureCategory,
    OutboundMessage,
    PowerItem,
    ProgrammePolicy,
    Subscription,
)
from tests.personas import PERSONAS, make_personas, org

pytestmark = pytest.mark.django_db

COUNTY = "110101000000"
TOWNSHIP = "110101001000"
VILLAGE = "110101001201"  # the village personas' village
NEIGHBOUR = "110101001202"  # same township, another village
OTHER_TOWNSHIP = "110101002000"
ELSEWHERE = "110101002201"  # a village of the other township
CATEGORY = "DW02"  # 发展党员: published as it happens (no period)


def row(spec: str) -> dict[str, str]:
    """One row of the table: an outcome per persona, in the order of `PERSONAS`."""
    outcomes = spec.split()
    assert len(outcomes) == len(PERSONAS), spec
    return dict(zip(PERSONAS, outcomes, strict=True))


# -- the expected matrix ------------------------------------------------------------------------------
#
# Columns:                      admin  analyst township dept   v.book v.secr v.sup  v.memb other-t no-role anon
EXPECTED: dict[str, dict[str, str]] = {
    # the console hub: every staff role
    "hub":                          row("200   200     200     200    200    200    200    200    200     403     login"),
    # disclosures: county all; township its villages; village its own; departments nothing
    "disclosure.list":              row("200   200     200     403    200    200    200    200    200     403     login"),
    "disclosure.detail[draft]":     row("200   200     200     403    200    200    200    200    404     403     login"),
    "disclosure.detail[neighbour]": row("200   200     200     403    404    404    404    404    404     403     login"),
    "disclosure.detail[elsewhere]": row("200   200     404     403    404    404    404    404    200     403     login"),
    "disclosure.file[draft]":       row("200   200     200     403    200    200    200    200    404     403     login"),
    # writing: the village roles of the item's village only
    "disclosure.new_page":          row("403   403     403     403    200    200    200    200    403     403     login"),
    "disclosure.new":               row("403   403     403     403    ok     ok     ok     ok     403     403     login"),
    "disclosure.edit[draft]":       row("403   403     403     403    ok     ok     ok     ok     404     403     login"),
    "disclosure.edit[neighbour]":   row("403   403     403     403    404    404    404    404    404     403     login"),
    "disclosure.submit[draft]":     row("403   403     403     403    ok     ok     ok     ok     404     403     login"),
    "disclosure.correct[published]": row("403  403     403     403    ok     ok     ok     ok     404     403     login"),
    # approving and returning: the supervision committee chair of the village, never their own draft
    "disclosure.approve[submitted]": row("403  403     403     403    403    403    ok     403    404     403     login"),
    "disclosure.approve[own_submitted]": row("403 403  403     403    403    403    403    403    404     403     login"),
    "disclosure.return[submitted]": row("403   403     403     403    403    403    ok     403    404     403     login"),
    # bulk import: county any village, township its villages (a row outside the area refuses the file)
    "disclosure.import_page":       row("200   200     200     403    403    403    403    403    200     403     login"),
    "disclosure.template":          row("200   200     200     403    403    403    403    403    200     403     login"),
    "disclosure.import[neighbour]": row("ok    ok      ok      403    403    403    403    403    400     403     login"),
    "disclosure.import[elsewhere]": row("ok    ok      400     403    403    403    403    403    ok      403     login"),
    # categories: the county administrator
    "categories.page":              row("200   403     403     403    403    403    403    403    403     403     login"),
    "categories.add":               row("ok    403     403     403    403    403    403    403    403     403     login"),
    "categories.change":            row("ok    403     403     403    403    403    403    403    403     403     login"),
    # policy texts: the county
    "policies.list":                row("200   200     403     403    403    403    403    403    403     403     login"),
    "policies.sync":                row("ok    ok      403     403    403    403    403    403    403     403     login"),
    "policies.edit":                row("ok    ok      403     403    403    403    403    403    403     403     login"),
    # micro-power list: county the basic list (and sees every addition); village its own additions
    "power.list":                   row("200   200     403     403    200    200    200    200    403     403     login"),
    "power.new":                    row("ok    ok      403     403    ok     ok     ok     ok     403     403     login"),
    "power.edit[basic]":            row("ok    ok      403     403    403    403    403    403    403     403     login"),
    "power.edit[own]":              row("ok    ok      403     403    ok     ok     ok     ok     403     403     login"),
    "power.edit[elsewhere]":        row("ok    ok      403     403    404    404    404    404    403     403     login"),
    "power.active[basic]":          row("ok    ok      403     403    403    403    403    403    403     403     login"),
    "power.active[own]":            row("ok    ok      403     403    ok     ok     ok     ok     403     403     login"),
    "power.active[elsewhere]":      row("ok    ok      403     403    404    404    404    404    403     403     login"),
    # outbox: county all; township its villages' subscribers; sending again is the county's
    "outbox.list":                  row("200   200     200     403    403    403    403    403    200     403     login"),
    "outbox.resend[ours]":          row("ok    ok      403     403    403    403    403    403    404     403     login"),
    "outbox.resend[elsewhere]":     row("ok    ok      404     403    403    403    403    403    403     403     login"),
    # posters: county any township; township its own; village its own village
    "posters.page":                 row("200   200     200     403    200    200    200    200    200     403     login"),
    "posters.pdf[township]":        row("ok    ok      ok      403    403    403    403    403    403     403     login"),
    "posters.pdf[village]":         row("ok    ok      ok      403    ok     ok     ok     ok     403     403     login"),
    "posters.pdf[elsewhere]":       row("ok    ok      403     403    403    403    403    403    ok      403     login"),
}

# What each persona finds in the console lists (by the world's names).
LISTED: dict[str, dict[str, set[str]]] = {
    "disclosures": {
        "county_admin": {"draft", "submitted", "own_submitted", "published", "neighbour", "elsewhere"},
        "township_officer": {"draft", "submitted", "own_submitted", "published", "neighbour"},
        "village_member": {"draft", "submitted", "own_submitted", "published"},
        "other_township": {"elsewhere"},
    },
    "power": {
        "county_admin": {"basic", "own", "elsewhere"},
        "village_secretary": {"basic", "own"},
    },
    "outbox": {
        "county_admin": {"ours", "elsewhere"},
        "township_officer": {"ours"},
        "other_township": {"elsewhere"},
    },
}


# -- the world ----------------------------------------------------------------------------------------


def login_url() -> str:
    return resolve_url(settings.LOGIN_URL)


def body(response: Any) -> bytes:
    if response.streaming:
        if not hasattr(response, "_read"):
            response._read = b"".join(response.streaming_content)
        return response._read
    return response.content


def outcome(response: Any, ok: tuple[int, ...] = ()) -> str:
    """The cell's outcome as the table spells it."""
    code = response.status_code
    body(response)  # a file is read to the end
    if code == 302 and response["Location"].startswith(login_url()):
        return "login"
    if code in ok:
        return "ok"
    return str(code)


class World:
    """Organisations, personas and the portal's objects: everything a cell may ask for."""

    def __init__(self) -> None:
        sync_categories()
        self.county = org("county_commission", "县纪委监委", COUNTY)
        self.township = org("township_commission", "城关镇", TOWNSHIP)
        self.other_township = org("township_commission", "东河镇", OTHER_TOWNSHIP)
        self.civil_affairs = org("department", "县民政局", department="民政局")
        self.village = org("village", "东风村", VILLAGE)
        self.neighbour = org("village", "西山村", NEIGHBOUR)
        self.elsewhere = org("village", "河口村", ELSEWHERE)
        self.users = make_personas(county=self.county, township=self.township, other_township=self.other_township,
                                   department=self.civil_affairs, village=self.village)

    def user(self, persona: str) -> User | None:
        return self.users[persona]

    def client(self, persona: str) -> Client:
        client = Client()
        user = self.users[persona]
        if user is not None:
            client.force_login(user)
        return client

    @cached_property
    def category(self) -> DisclosureCategory:
        return DisclosureCategory.objects.get(code=CATEGORY)

    def _disclosure(self, village: str, title: str, status: str, by: str | None) -> Disclosure:
        published = status == Disclosure.Status.PUBLISHED
        return Disclosure.objects.create(
            village_code=village, category=self.category, period="", title=title, body=f"{title}的正文。",
            series=uuid.uuid4(), version=1, status=status, created_by=self.users[by] if by else None,
            approved_by=self.users["village_supervisor"] if published else None,
            published_at=d.timezone.now() if published else None,
            submitted_at=d.timezone.now() if status != Disclosure.Status.DRAFT else None)

    @cached_property
    def disclosures(self) -> dict[str, Disclosure]:
        S = Disclosure.Status
        return {
            "draft": self._disclosure(VILLAGE, "2026年发展党员情况", S.DRAFT, "village_bookkeeper"),
            "submitted": self._disclosure(VILLAGE, "2026年第二批发展党员", S.SUBMITTED, "village_bookkeeper"),
            "own_submitted": self._disclosure(VILLAGE, "监委会主任起草的事项", S.SUBMITTED, "village_supervisor"),
            "published": self._disclosure(VILLAGE, "2025年发展党员情况", S.PUBLISHED, "village_bookkeeper"),
            "neighbour": self._disclosure(NEIGHBOUR, "西山村发展党员", S.DRAFT, None),  # drafted by that village
            "elsewhere": self._disclosure(ELSEWHERE, "河口村发展党员", S.DRAFT, None),
        }

    @cached_property
    def attachment(self) -> DisclosureAttachment:
        data = b"%PDF-1.4\n% a minute of the meeting\n"
        relative = f"disclosures/{uuid.uuid4().hex}.pdf"
        path = d.files_dir() / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return DisclosureAttachment.objects.create(
            disclosure=self.disclosures["draft"], name="会议记录.pdf", path=relative, content_type="application/pdf",
            size=len(data), sha256=hashlib.sha256(data).hexdigest())

    def _power(self, village: str, code: str, title: str) -> PowerItem:
        return PowerItem.objects.create(village_code=village, code=code, title=title, category="三资管理",
                                        basis="《村民委员会组织法》", responsible="村民委员会",
                                        steps=["提出申请", "村两委会议商议", "结果公开"])

    @cached_property
    def power(self) -> dict[str, PowerItem]:
        return {
            "basic": self._power("", "A01", "集体资产出租"),
            "own": self._power(VILLAGE, "Z01", "东风村鱼塘发包"),
            "elsewhere": self._power(ELSEWHERE, "Z01", "河口村山林承包"),
        }

    def _message(self, village: str, n: int) -> OutboundMessage:
        sub = Subscription.objects.create(
            id_key=f"{n:064d}", id_number=f"11010119500101{n:03d}X"[:18], village_code=village,
            channel=Subscription.Channel.SMS, address=f"1380013{n:04d}", unsubscribe_token=f"tok{n:029d}")
        return OutboundMessage.objects.create(
            subscription=sub, kind="new_payment", dedupe_key=f"matrix-{n}", text=f"您的补贴已发放(消息{n})。",
            status=OutboundMessage.Status.FAILED, attempts=1, error="gateway down")

    @cached_property
    def messages(self) -> dict[str, OutboundMessage]:
        return {"ours": self._message(VILLAGE, 1), "elsewhere": self._message(ELSEWHERE, 2)}

    @cached_property
    def programme(self) -> ProgrammePolicy:
        return ProgrammePolicy.objects.create(program_code="MZ003", name="高龄津贴", department="民政局",
                                              standard="每人每月 100 元")


@pytest.fixture
def world(settings: LazySettings) -> World:
    settings.PORTAL_SMS_URL = ""  # no gateway: a message sent again stays in the outbox
    settings.PORTAL_WECHAT_URL = ""
    return World()


# -- the cells: what each row does, and whether a write took effect ----------------------------------

Case = Callable[[World, str], tuple[str, bool | None]]
CASES: dict[str, Case] = {}


def case(name: str) -> Callable[[Case], Case]:
    def register(fn: Case) -> Case:
        assert name in EXPECTED, name
        CASES[name] = fn
        return fn

    return register


def page(name: str, url: Callable[[World], str]) -> None:
    """A read: GET the URL, no effect to check."""

    @case(name)
    def read(w: World, p: str) -> tuple[str, bool | None]:
        return outcome(w.client(p).get(url(w))), None


def console(name: str, *args: Any) -> str:
    return reverse(f"console:{name}", args=args)


def with_data(w: World, url: str) -> str:
    """A list URL, with the objects made first (so there is something to show)."""
    assert w.disclosures and w.power and w.messages and w.programme
    return url


# the hub and disclosures
page("hub", lambda w: console("portal"))
page("disclosure.list", lambda w: with_data(w, console("portal_disclosures")))


def detail(variant: str) -> None:
    page(f"disclosure.detail[{variant}]", lambda w: console("portal_disclosure", w.disclosures[variant].pk))


for _v in ("draft", "neighbour", "elsewhere"):
    detail(_v)
page("disclosure.file[draft]", lambda w: console("portal_disclosure_file", w.attachment.disclosure_id, w.attachment.pk))
page("disclosure.new_page", lambda w: console("portal_disclosure_new"))
page("disclosure.import_page", lambda w: console("portal_disclosure_import"))
page("disclosure.template", lambda w: console("portal_disclosure_template"))


@case("disclosure.new")
def new_disclosure(w: World, p: str) -> tuple[str, bool | None]:
    title = "新起草的公开事项"
    response = w.client(p).post(console("portal_disclosure_new"), {
        "category": w.category.pk, "period": "", "title": title, "body": "本季度发展党员一名。"})
    created = Disclosure.objects.filter(title=title)
    if created.exists():  # villages publish only for themselves
        assert set(created.values_list("village_code", flat=True)) == {VILLAGE}
    return outcome(response, ok=(302,)), created.exists()


def disclosure_action(name: str, variant: str, action: str, data: Callable[[World], dict[str, Any]],
                      effect: Callable[[Disclosure, Disclosure], bool]) -> None:
    """POST one button of the detail page on the disclosure `variant`; `effect(before, after)`."""

    @case(f"disclosure.{name}[{variant}]")
    def post(w: World, p: str) -> tuple[str, bool | None]:
        item = w.disclosures[variant]
        before = Disclosure.objects.get(pk=item.pk)
        response = w.client(p).post(console("portal_disclosure_action", item.pk, action), data(w))
        after = Disclosure.objects.get(pk=item.pk)
        return outcome(response, ok=(302,)), effect(before, after)


S = Disclosure.Status
for _v in ("draft", "neighbour"):
    disclosure_action("edit", _v, "edit",
                      lambda w: {"category": w.category.pk, "period": "", "title": "改过的标题", "body": "改过的正文。"},
                      lambda b, a: a.title == "改过的标题")
disclosure_action("submit", "draft", "submit", lambda w: {}, lambda b, a: a.status == S.SUBMITTED)
for _v in ("submitted", "own_submitted"):
    disclosure_action("approve", _v, "approve", lambda w: {}, lambda b, a: a.status == S.PUBLISHED)
disclosure_action("return", "submitted", "return", lambda w: {"return-reason": "请补充党员发展的公示期。"},
                  lambda b, a: a.status == S.RETURNED)
disclosure_action("correct", "published", "correct",
                  lambda w: {"correct-change_note": "更正了日期", "correct-title": "2025年发展党员情况(更正)",
                             "correct-body": "更正后的正文。"},
                  lambda b, a: Disclosure.objects.filter(series=a.series).count() > 1)


def workbook(village: str, title: str) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(d.IMPORT_HEADERS)
    sheet.append([village, CATEGORY, "", title, "本村新发展党员一名，公示期七天。"])
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("公开事项.xlsx", out.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def import_into(variant: str, village: str) -> None:
    @case(f"disclosure.import[{variant}]")
    def post(w: World, p: str) -> tuple[str, bool | None]:
        title = f"批量导入的事项 {variant}"
        response = w.client(p).post(console("portal_disclosure_import"), {"file": workbook(village, title)})
        created = Disclosure.objects.filter(title=title, village_code=village, status=S.SUBMITTED).exists()
        return outcome(response, ok=(200,)), created


import_into("neighbour", NEIGHBOUR)
import_into("elsewhere", ELSEWHERE)


# categories
page("categories.page", lambda w: console("portal_categories"))


@case("categories.add")
def add_category(w: World, p: str) -> tuple[str, bool | None]:
    response = w.client(p).post(console("portal_categories"), {
        "section": "village", "name": "集体林权流转", "basis": "", "cadence": "as_needed", "due_day": "20"})
    return outcome(response, ok=(302,)), DisclosureCategory.objects.filter(name="集体林权流转").exists()


@case("categories.change")
def change_category(w: World, p: str) -> tuple[str, bool | None]:
    cat = DisclosureCategory.objects.get(code="CW02")
    assert cat.due_day != 25
    prefix = f"c{cat.pk}"
    response = w.client(p).post(console("portal_category", cat.pk), {
        f"{prefix}-cadence": cat.cadence, f"{prefix}-due_day": "25", f"{prefix}-active": "on"})
    cat.refresh_from_db()
    return outcome(response, ok=(302,)), cat.due_day == 25


# policy texts
page("policies.list", lambda w: with_data(w, console("portal_policies")))


@case("policies.sync")
def sync(w: World, p: str) -> tuple[str, bool | None]:
    """The programmes data stand in for an imported `programs` file (the lake is not the question)."""
    rows = {"NY001": {"program_code": "NY001", "program_name": "耕地地力保护补贴", "department": "农业农村局",
                      "unit_standard": None, "min_age": None, "category": "agriculture"}}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(policies, "_programmes", lambda: rows)
        response = w.client(p).post(console("portal_policies_sync"))
    return outcome(response, ok=(302,)), ProgrammePolicy.objects.filter(program_code="NY001").exists()


@case("policies.edit")
def edit_policy(w: World, p: str) -> tuple[str, bool | None]:
    item = w.programme
    response = w.client(p).post(console("portal_policy", item.program_code), {
        "standard": "每人每月 150 元", "cycle": "按月发放", "eligibility": "年满 80 周岁的本县户籍老人。",
        "basis": "", "contact": "本村村委会", "published": "on"})
    item.refresh_from_db()
    return outcome(response, ok=(302,)), item.standard == "每人每月 150 元"


# micro-power list
POWER_FORM = {"title": "", "category": "三资管理", "responsible": "村民委员会", "basis": "《村民委员会组织法》第二十四条",
              "steps": "提出申请\n村两委会议商议\n村民代表会议决议\n结果公开"}
page("power.list", lambda w: with_data(w, console("portal_power")))


@case("power.new")
def new_power(w: World, p: str) -> tuple[str, bool | None]:
    response = w.client(p).post(console("portal_power_new"), {**POWER_FORM, "title": "新的小微权力事项"})
    created = PowerItem.objects.filter(title="新的小微权力事项")
    if created.exists():  # the county adds to the basic list, a village to its own additions
        where = "" if p in ("county_admin", "county_analyst") else VILLAGE
        assert list(created.values_list("village_code", flat=True)) == [where]
    return outcome(response, ok=(302,)), created.exists()


def power_edit(variant: str) -> None:
    @case(f"power.edit[{variant}]")
    def post(w: World, p: str) -> tuple[str, bool | None]:
        item = w.power[variant]
        response = w.client(p).post(console("portal_power_edit", item.pk), {**POWER_FORM, "title": "改过的事项"})
        item.refresh_from_db()
        return outcome(response, ok=(302,)), item.title == "改过的事项"


def power_active(variant: str) -> None:
    @case(f"power.active[{variant}]")
    def post(w: World, p: str) -> tuple[str, bool | None]:
        item = w.power[variant]
        response = w.client(p).post(console("portal_power_active", item.pk), {"active": "0"})
        item.refresh_from_db()
        return outcome(response, ok=(302,)), not item.active


for _v in ("basic", "own", "elsewhere"):
    power_edit(_v)
    power_active(_v)


# outbox
page("outbox.list", lambda w: with_data(w, console("portal_outbox")))


def resend(variant: str) -> None:
    @case(f"outbox.resend[{variant}]")
    def post(w: World, p: str) -> tuple[str, bool | None]:
        message = w.messages[variant]
        response = w.client(p).post(console("portal_outbox_resend", message.pk))
        message.refresh_from_db()
        return outcome(response, ok=(302,)), message.status != OutboundMessage.Status.FAILED


resend("ours")
resend("elsewhere")


# posters
page("posters.page", lambda w: console("portal_posters"))


def poster(variant: str, area: str) -> None:
    @case(f"posters.pdf[{variant}]")
    def post(w: World, p: str) -> tuple[str, bool | None]:
        response = w.client(p).post(console("portal_posters"), {"area": area})
        pdf = response.status_code == 200 and body(response).startswith(b"%PDF-")
        return ("ok" if pdf else outcome(response)), pdf


poster("township", TOWNSHIP)
poster("village", VILLAGE)
poster("elsewhere", OTHER_TOWNSHIP)


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


# -- what the lists show: exactly the jurisdiction ----------------------------------------------------


def listed(w: World, persona: str, kind: str) -> set[str]:
    """The world's objects of `kind` that the persona's console list shows: disclosures by their
    link, micro-power matters by their title (the basic list is read only for a village: no link),
    messages by their text."""
    kinds: dict[str, dict[str, Any]] = {"disclosures": w.disclosures, "power": w.power, "outbox": w.messages}
    objects = kinds[kind]
    url = {"disclosures": "portal_disclosures", "power": "portal_power", "outbox": "portal_outbox"}[kind]
    response = w.client(persona).get(console(url))
    assert response.status_code == 200
    html = response.content.decode()

    def marker(obj: Any) -> str:
        if kind == "disclosures":
            return f'href="{console("portal_disclosure", obj.pk)}"'
        return obj.title if kind == "power" else obj.text

    return {name for name, obj in objects.items() if marker(obj) in html}


@pytest.mark.parametrize(("kind", "persona"), [(k, p) for k, people in LISTED.items() for p in people])
def test_the_lists_show_exactly_the_jurisdiction(world: World, kind: str, persona: str) -> None:
    assert listed(world, persona, kind) == LISTED[kind][persona]


# -- the public pages never show what is not published ------------------------------------------------


@pytest.mark.parametrize("variant", ["draft", "submitted", "published"])
def test_a_public_page_never_shows_an_unpublished_item(world: World, variant: str) -> None:
    item = world.disclosures[variant]
    response = Client().get(reverse("portal:disclosure", args=[item.village_code, item.pk]))
    assert response.status_code == (200 if variant == "published" else 404)


def test_a_public_page_shows_a_village_only_its_own_items(world: World) -> None:
    item = world.disclosures["published"]
    response = Client().get(reverse("portal:disclosure", args=[NEIGHBOUR, item.pk]))
    assert response.status_code == 404


# -- every portal console route is in the matrix ------------------------------------------------------

# Console routes (namespace `console`) whose access is covered by a row above, and the few left out
# with the reason. tests/test_access_matrix.py counts these as covered too.
COVERED = {
    "portal", "portal_disclosures", "portal_disclosure", "portal_disclosure_file", "portal_disclosure_new",
    "portal_disclosure_action", "portal_disclosure_import", "portal_disclosure_template",
    "portal_categories", "portal_category",
    "portal_policies", "portal_policies_sync", "portal_policy",
    "portal_power", "portal_power_new", "portal_power_edit", "portal_power_active",
    "portal_outbox", "portal_outbox_resend",
    "portal_posters",
}
LEFT_OUT: dict[str, str] = {}


def portal_console_routes() -> set[str]:
    console_ns = get_resolver().namespace_dict["console"][1]
    return {name for name in console_ns.reverse_dict if isinstance(name, str) and name.startswith("portal")}


def test_every_portal_console_route_is_in_the_matrix() -> None:
    names = portal_console_routes()
    missing = names - COVERED - set(LEFT_OUT)
    assert not missing, f"portal console routes with no row in the access matrix: {sorted(missing)}"
    stale = (COVERED | set(LEFT_OUT)) - names
    assert not stale, f"routes named in the portal matrix that no longer exist: {sorted(stale)}"


def test_every_portal_permission_has_a_row() -> None:
    """A new portal permission in the policy table needs its row here (and a case)."""
    from mingjing.accounts import policy

    portal = {name for name in policy.PERMISSIONS if name.split(".")[0] in
              ("disclosure", "policy", "power", "outbox", "poster")}
    covered_by = {"disclosure.view": "disclosure.detail[draft]", "disclosure.write": "disclosure.new",
                  "disclosure.approve": "disclosure.approve[submitted]", "disclosure.import": "disclosure.import_page",
                  "disclosure.categories": "categories.change", "policy.edit": "policies.edit",
                  "power.edit": "power.edit[own]", "outbox.view": "outbox.list", "outbox.resend": "outbox.resend[ours]",
                  "poster.print": "posters.pdf[village]"}
    assert portal == set(covered_by), sorted(portal ^ set(covered_by))
    assert set(covered_by.values()) <= set(EXPECTED)
