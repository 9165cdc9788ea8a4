"""The access matrix: every persona against every kind of object, reading and each write, through
the console (HTTP, `force_login`) and the JSON API (bearer tokens).

The expected outcome of each cell is written out below as data (`EXPECTED`, one row per kind of
object and verb, one column per persona), from workflow.md ("Jurisdiction and roles") and issue 7,
not computed from `mingjing.accounts.policy`: a matrix derived from the code it checks could not
fail. Each cell is its own test (`test_cell[<row>-<persona>]`). A write checks its effect too: done
when allowed (the batch retracted, the setting saved, the run created, the alert moved on), nothing
changed when refused.

Outcomes: `200` a page or file; `ok` a write that took effect (a redirect in the console, 200 in
the API); `403` refused; `404` not found for this user (outside their jurisdiction); `login` sent to
the sign-in page; `401` the API without a usable token; `302` (the Django admin only) sent to the
admin's own sign-in; `400` (the staff sheet upload without a file) let through to the form check.
Personas (tests/personas.py): one per role, an officer of another township, a signed-in staff
account without a role, anonymous.

The world: county 110101 with township 001 (villages 201, 202) and township 002 (village 201),
the departments 民政局 and 财政局. Alerts: `ours` (village 001-201, 民政局), `finance` (village
001-202, 财政局), `elsewhere` (township 002, 民政局), `conflict` (village 001-201, 民政局, about
one of the village's cadres), `closed` (like `ours`, closed); the hit `orphan` has no alert yet.
Batches: `own` delivered by 民政局, `other` by 财政局, `county` imported at the command line.
"""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings, settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import NoReverseMatch, get_resolver, reverse
from django.utils import timezone
from openpyxl import load_workbook

from engine import BUILTIN_RULES_DIR
from engine.types import ModelResult
from mingjing.accounts import policy
from mingjing.accounts.models import Organisation
from mingjing.alerts.models import Alert, AlertEvent, Attachment, DeadlinePolicy
from mingjing.analysis.actions import store_result
from mingjing.analysis.models import Hit, ModelSetting, Run
from mingjing.api.actions import do_create_token
from mingjing.api.models import ApiToken
from mingjing.audit.models import AuditEntry
from mingjing.datahub import lake
from mingjing.datahub.models import Batch
from tests.alerts_fixtures import (
    OTHER_TOWNSHIP,
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    engine_hit,
    person,
    run_with,
)
from tests.personas import PERSONAS, make_personas, org, staff

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
ELSEWHERE_VILLAGE = OTHER_TOWNSHIP[:9] + "201"
MODEL = "YKT05"


def row(spec: str) -> dict[str, str]:
    """One row of the table: an outcome per persona, in the order of `PERSONAS`."""
    outcomes = spec.split()
    assert len(outcomes) == len(PERSONAS), spec
    return dict(zip(PERSONAS, outcomes, strict=True))


# -- the expected matrix ------------------------------------------------------------------------------
#
# Columns:            admin  analyst township dept   v.book v.secr v.sup  v.memb other-t no-role anon
EXPECTED: dict[str, dict[str, str]] = {
    # data hub: every staff member sees batch summaries; uploads, retractions, rejects and originals
    # are the county's (any batch) and the delivering department's (its own batches only)
    "batch.list":             row("200   200     200     200    200    200    200    200    200     403     login"),
    "batch.detail[own]":      row("200   200     200     200    200    200    200    200    200     403     login"),
    "batch.detail[other]":    row("200   200     200     200    200    200    200    200    200     403     login"),
    "batch.detail[county]":   row("200   200     200     200    200    200    200    200    200     403     login"),
    "batch.progress[own]":    row("200   200     200     200    200    200    200    200    200     403     login"),
    "batch.rejects[own]":     row("200   200     403     200    403    403    403    403    403     403     login"),
    "batch.rejects[other]":   row("200   200     403     403    403    403    403    403    403     403     login"),
    "batch.rejects[county]":  row("200   200     403     403    403    403    403    403    403     403     login"),
    "batch.original[own]":    row("200   200     403     200    403    403    403    403    403     403     login"),
    "batch.original[other]":  row("200   200     403     403    403    403    403    403    403     403     login"),
    "batch.original[county]": row("200   200     403     403    403    403    403    403    403     403     login"),
    "batch.retract[own]":     row("ok    ok      403     ok     403    403    403    403    403     403     login"),
    "batch.retract[other]":   row("ok    ok      403     403    403    403    403    403    403     403     login"),
    "batch.retract[county]":  row("ok    ok      403     403    403    403    403    403    403     403     login"),
    "batch.upload":           row("ok    ok      403     ok     403    403    403    403    403     403     login"),
    # detection: villages see neither models nor runs; only the county changes models or starts runs
    "model.list":             row("200   200     200     200    403    403    403    403    200     403     login"),
    "model.change":           row("ok    ok      403     403    403    403    403    403    403     403     login"),
    "run.list":               row("200   200     200     200    403    403    403    403    200     403     login"),
    "run.start":              row("ok    ok      403     403    403    403    403    403    403     403     login"),
    "run.detail":             row("200   200     200     200    404    404    404    404    200     403     login"),
    "run.progress":           row("200   200     200     200    404    404    404    404    200     403     login"),
    # hits: the county all; everyone else the hits whose alerts they see
    "hit.list":               row("200   200     200     200    200    200    200    200    200     403     login"),
    "hit.detail[ours]":       row("200   200     200     200    200    200    200    200    404     403     login"),
    "hit.detail[finance]":    row("200   200     200     404    404    404    404    404    404     403     login"),
    "hit.detail[elsewhere]":  row("200   200     404     200    404    404    404    404    200     403     login"),
    "hit.detail[conflict]":   row("200   200     200     200    404    404    404    404    404     403     login"),
    "hit.detail[orphan]":     row("200   200     404     404    404    404    404    404    404     403     login"),
    # alerts: by jurisdiction (township: its township; department: routed to it; village: its own
    # village, never about its cadres or their relatives)
    "alert.list":             row("200   200     200     200    200    200    200    200    200     403     login"),
    "alert.detail[ours]":     row("200   200     200     200    200    200    200    200    404     403     login"),
    "alert.detail[finance]":  row("200   200     200     404    404    404    404    404    404     403     login"),
    "alert.detail[elsewhere]": row("200  200     404     200    404    404    404    404    200     403     login"),
    "alert.detail[conflict]": row("200   200     200     200    404    404    404    404    404     403     login"),
    "alert.detail[closed]":   row("200   200     200     200    200    200    200    200    404     403     login"),
    "alert.attachment[ours]": row("200   200     200     200    200    200    200    200    404     403     login"),
    "alert.attachment[elsewhere]": row("200 200    404     200    404    404    404    404    200     403     login"),
    "alert.export":           row("200   200     200     200    200    200    200    200    200     403     login"),
    "alert.tasks":            row("200   200     200     200    200    200    200    200    200     403     login"),
    "alert.inbox":            row("200   200     200     200    200    200    200    200    200     403     login"),
    # the lifecycle: handlers are the county and the organisations the alert is routed to; the
    # level above reviews, never the submitter; only the county reassigns; a closed alert is read only
    "alert.sign[ours]":       row("ok    ok      ok      ok     403    403    403    403    404     403     login"),
    "alert.sign[finance]":    row("ok    ok      ok      404    404    404    404    404    404     403     login"),
    "alert.sign[elsewhere]":  row("ok    ok      404     ok     404    404    404    404    ok      403     login"),
    "alert.sign[closed]":     row("403   403     403     403    403    403    403    403    404     403     login"),
    "alert.submit_result[ours]": row("ok ok      ok      ok     403    403    403    403    404     403     login"),
    "alert.request_dismissal[ours]": row("ok ok  ok      ok     403    403    403    403    404     403     login"),
    "alert.review[department_result]": row("ok ok ok     403    403    403    403    403    404     403     login"),
    "alert.review[township_result]": row("ok ok  403     403    403    403    403    403    404     403     login"),
    "alert.rectify[ours]":    row("ok    ok      ok      ok     403    403    403    403    404     403     login"),
    "alert.reassign[ours]":   row("ok    ok      403     403    403    403    403    403    404     403     login"),
    "alert.reassign[closed]": row("403   403     403     403    403    403    403    403    404     403     login"),
    # the JSON API: the same jurisdiction and actions; no token, or an account without a role: 401
    "api.list":               row("200   200     200     200    200    200    200    200    200     401     401"),
    "api.detail[ours]":       row("200   200     200     200    200    200    200    200    404     401     401"),
    "api.detail[finance]":    row("200   200     200     404    404    404    404    404    404     401     401"),
    "api.detail[elsewhere]":  row("200   200     404     200    404    404    404    404    200     401     401"),
    "api.detail[conflict]":   row("200   200     200     200    404    404    404    404    404     401     401"),
    "api.detail[closed]":     row("200   200     200     200    200    200    200    200    404     401     401"),
    "api.sign[ours]":         row("ok    ok      ok      ok     403    403    403    403    404     401     401"),
    "api.sign[elsewhere]":    row("ok    ok      404     ok     404    404    404    404    ok      401     401"),
    "api.submit_result[ours]": row("ok   ok      ok      ok     403    403    403    403    404     401     401"),
    "api.request_dismissal[ours]": row("ok ok    ok      ok     403    403    403    403    404     401     401"),
    "api.review[department_result]": row("ok ok  ok      403    403    403    403    403    404     401     401"),
    "api.review[township_result]": row("ok ok    403     403    403    403    403    403    404     401     401"),
    "api.rectify[ours]":      row("ok    ok      ok      ok     403    403    403    403    404     401     401"),
    "api.reassign[ours]":     row("ok    ok      403     403    403    403    403    403    404     401     401"),
    # the cockpit: the user's jurisdiction; a township or village outside it is 404
    "cockpit":                row("200   200     200     200    200    200    200    200    200     403     login"),
    "cockpit[other_township]": row("200  200     404     200    404    404    404    404    200     403     login"),
    "cockpit[finance_village]": row("200 200     200     404    404    404    404    404    404     403     login"),
    # settings and administration
    "deadlines.view":         row("200   403     403     403    403    403    403    403    403     403     login"),
    "deadlines.change":       row("ok    403     403     403    403    403    403    403    403     403     login"),
    "audit.view":             row("200   200     403     403    403    403    403    403    403     403     login"),
    "audit.verify":           row("ok    ok      403     403    403    403    403    403    403     403     login"),
    "staff.list":             row("200   403     403     403    403    403    403    403    403     403     login"),
    "staff.template":         row("200   403     403     403    403    403    403    403    403     403     login"),
    "staff.upload[no_file]":  row("400   403     403     403    403    403    403    403    403     403     login"),
    "staff.deactivate":       row("ok    403     403     403    403    403    403    403    403     403     login"),
    # the Django admin is the instance operator's (superusers): no role reaches its data
    "admin.memberships":      row("403   403     403     403    403    403    403    403    403     403     302"),
    # API tokens: everyone their own; the county administrator every token
    "tokens.list":            row("200   200     200     200    200    200    200    200    200     403     login"),
    "tokens.create":          row("ok    ok      ok      ok     ok     ok     ok     ok     ok      403     login"),
    "tokens.revoke[own]":     row("ok    ok      ok      ok     ok     ok     ok     ok     ok      403     login"),
    "tokens.revoke[other]":   row("ok    404     404     404    404    404    404    404    404     403     login"),
}

# Which alerts (and hits) each persona finds in the lists, the API list and the export.
COUNTY_SEES = {"ours", "finance", "elsewhere", "conflict", "closed"}
VILLAGE_SEES = {"ours", "closed"}
VISIBLE: dict[str, set[str]] = {
    "county_admin": COUNTY_SEES,
    "county_analyst": COUNTY_SEES,
    "township_officer": {"ours", "finance", "conflict", "closed"},
    "department_officer": {"ours", "elsewhere", "conflict", "closed"},
    "village_bookkeeper": VILLAGE_SEES,
    "village_secretary": VILLAGE_SEES,
    "village_supervisor": VILLAGE_SEES,
    "village_member": VILLAGE_SEES,
    "other_township": {"elsewhere"},
}
HITS_ONLY_COUNTY = {"orphan"}  # a hit not (yet) made into an alert: the county's alone


# -- the world ----------------------------------------------------------------------------------------


def login_url() -> str:
    return resolve_url(settings.LOGIN_URL)


def outcome(response: Any, ok: tuple[int, ...] = ()) -> str:
    """The cell's outcome as the table spells it."""
    code = response.status_code
    body(response)  # a file is read to the end (the test client then closes it without the connection)
    if code == 302 and response["Location"].startswith(login_url()):
        return "login"
    if code in ok:
        return "ok"
    return str(code)


def body(response: Any) -> bytes:
    if response.streaming:
        if not hasattr(response, "_read"):
            response._read = b"".join(response.streaming_content)
        return response._read
    return response.content


class World:
    """Organisations and personas at once; alerts, batches and runs when a cell first asks."""

    def __init__(self, rules_dir: Path) -> None:
        self.rules_dir = rules_dir
        self.county = org("county_commission", "县纪委监委", "110101000000")
        self.township = org("township_commission", "城关镇纪委", TOWNSHIP)
        self.other_township = org("township_commission", "东河镇纪委", OTHER_TOWNSHIP)
        self.civil_affairs = org("department", "县民政局", department="民政局")
        self.finance = org("department", "县财政局", department="财政局")
        self.village = org("village", "东风村", VILLAGE)
        self.users = make_personas(county=self.county, township=self.township, other_township=self.other_township,
                                   department=self.civil_affairs, village=self.village)

    @cached_property
    def outsider(self) -> User:
        """Someone else's account: a finance bureau officer who is none of the personas."""
        return staff("outsider", self.finance, "department_officer")

    def user(self, persona: str) -> User | None:
        return self.users[persona]

    def client(self, persona: str) -> Client:
        client = Client()
        user = self.users[persona]
        if user is not None:
            client.force_login(user)
        return client

    def api(self, persona: str) -> dict[str, str]:
        user = self.users[persona]
        if user is None:
            return {}
        _, secret = do_create_token(user=user, name="matrix")
        return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    @cached_property
    def alerts(self) -> dict[str, Alert]:
        names = {"ours": 1, "finance": 2, "elsewhere": 3, "conflict": 4, "closed": 5}
        run_with(
            engine_hit(1, region=VILLAGE),
            engine_hit(2, region=OTHER_VILLAGE, department="财政局", level="medium"),
            engine_hit(3, region=ELSEWHERE_VILLAGE),
            engine_hit(4, region=VILLAGE),
            engine_hit(5, region=VILLAGE, level="low"),
        )
        alerts = {name: Alert.objects.get(hit__id_number=person(seq)) for name, seq in names.items()}
        Alert.objects.filter(pk=alerts["conflict"].pk).update(conflict_villages=f",{VILLAGE},")
        Alert.objects.filter(pk=alerts["closed"].pk).update(status=Alert.Status.CLOSED, closed_at=timezone.now(),
                                                            result=Alert.Result.NOT_CONFIRMED)
        for alert in alerts.values():
            alert.refresh_from_db()
        return alerts

    @cached_property
    def hits(self) -> dict[str, Hit]:
        hits = {name: alert.hit for name, alert in self.alerts.items()}
        run = Run.objects.create(status=Run.Status.DONE, models_total=1)  # stored, not yet synced
        store_result(run, ModelResult("YKT01", examined=1, rows=1, hits=[engine_hit(6, region=VILLAGE)],
                                      seconds=0.1, parameters={}))
        hits["orphan"] = Hit.objects.get(id_number=person(6))
        return hits

    @cached_property
    def batches(self) -> dict[str, Batch]:
        return {"own": self._batch("own", self.civil_affairs), "other": self._batch("other", self.finance),
                "county": self._batch("county", None)}

    def _batch(self, name: str, organisation: Organisation | None) -> Batch:
        """An active batch with one rejected row (holding a full ID number) and its original."""
        batch = Batch.objects.create(
            dataset="payments", status=Batch.Status.ACTIVE, source_name=f"{name}.csv", source_sha256=name * 8,
            rows_read=2, rows_loaded=1, rows_rejected=1, organisation=organisation,
        )
        rejects = lake.rejects_path(batch.pk)
        rejects.parent.mkdir(parents=True, exist_ok=True)
        rejects.write_text(f"_row,身份证号码,发放金额,_reason\n3,{person(99)},abc,金额无法识别\n", encoding="utf-8-sig")
        original = lake.original_dir(batch.pk) / batch.source_name
        original.parent.mkdir(parents=True, exist_ok=True)
        original.write_text(f"身份证号码,发放金额\n{person(98)},100\n{person(99)},abc\n", encoding="utf-8")
        return batch

    @cached_property
    def run(self) -> Run:
        return Run.objects.create(status=Run.Status.DONE, models_total=1)

    def put(self, alert: Alert, state: str) -> Alert:
        """Put an alert in the state an action needs (as if the loop had got it there)."""
        department, township = self.users["department_officer"], self.users["township_officer"]
        result = {"status": Alert.Status.UNDER_REVIEW, "review_kind": Alert.Review.RESULT,
                  "result": Alert.Result.NOT_CONFIRMED, "result_account": "经核查属实", "result_at": timezone.now()}
        fields: dict[str, Any] = {
            "new": {"status": Alert.Status.NEW},
            "verifying": {"status": Alert.Status.VERIFYING, "signed_by": department, "signed_at": timezone.now()},
            "department_result": {**result, "result_by": department, "result_by_kind": "department"},
            "township_result": {**result, "result_by": township, "result_by_kind": "township_commission"},
            "rectifying": {"status": Alert.Status.RECTIFYING, "result": Alert.Result.CONFIRMED, "rectified": False,
                           "result_by": department, "result_by_kind": "department"},
            "closed": {},
        }[state]
        Alert.objects.filter(pk=alert.pk).update(**fields)
        alert.refresh_from_db()
        return alert


@pytest.fixture
def world(settings: LazySettings, tmp_path: Path) -> World:
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(BUILTIN_RULES_DIR / f"{MODEL}.yaml", rules)
    settings.RULES_DIR = rules
    settings.MEDIA_ROOT = tmp_path / "media"
    return World(rules)


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


def api_page(name: str, url: Callable[[World], str]) -> None:
    """A read of the API with the persona's bearer token (none for anonymous)."""

    @case(name)
    def read(w: World, p: str) -> tuple[str, bool | None]:
        return outcome(Client().get(url(w), **w.api(p))), None


def with_data(w: World, url: str) -> str:
    """A list or summary URL, with the alerts and hits made first (so there is something to show)."""
    assert w.alerts and w.hits
    return url


def named(url_name: str, *args: Any) -> str:
    try:
        return reverse(url_name, args=args)
    except NoReverseMatch:
        pytest.skip(f"the URL {url_name!r} does not exist yet")


# data hub
page("batch.list", lambda w: reverse("console:data"))
for _v in ("own", "other", "county"):
    page(f"batch.detail[{_v}]", lambda w, v=_v: reverse("console:batch", args=[w.batches[v].pk]))
page("batch.progress[own]", lambda w: reverse("console:batch_progress", args=[w.batches["own"].pk]))


def download(kind: str, variant: str) -> None:
    @case(f"batch.{kind}[{variant}]")
    def get(w: World, p: str) -> tuple[str, bool | None]:
        batch = w.batches[variant]
        response = w.client(p).get(reverse(f"console:batch_{kind}", args=[batch.pk]))
        if response.status_code == 200:  # the file itself, with its full identifiers
            assert person(99).encode() in body(response)
        return outcome(response), None


def retract(variant: str) -> None:
    @case(f"batch.retract[{variant}]")
    def post(w: World, p: str) -> tuple[str, bool | None]:
        batch = w.batches[variant]
        response = w.client(p).post(reverse("console:batch_retract", args=[batch.pk]))
        batch.refresh_from_db()
        return outcome(response, ok=(302,)), batch.status == Batch.Status.RETRACTED


for _v in ("own", "other", "county"):
    download("rejects", _v)
    download("original", _v)
    retract(_v)


@case("batch.upload")
def upload(w: World, p: str) -> tuple[str, bool | None]:
    before = Batch.objects.count()
    file = SimpleUploadedFile("regions.csv", "区划代码,名称,上级代码,级别\n110101000000,东城县,,县\n".encode(),
                              content_type="text/csv")
    response = w.client(p).post(reverse("console:upload"), {"dataset": "regions", "file": file})
    created = Batch.objects.count() > before
    if created:
        batch = Batch.objects.latest("pk")
        assert batch.organisation == policy.organisation_of(w.user(p))  # delivered by the uploader's org
    return outcome(response, ok=(302,)), created


# detection
page("model.list", lambda w: reverse("console:models"))


@case("model.change")
def change_model(w: World, p: str) -> tuple[str, bool | None]:
    assert not ModelSetting.objects.filter(code=MODEL).exists()
    response = w.client(p).post(reverse("console:model_setting", args=[MODEL]), {})  # switched off
    return outcome(response, ok=(302,)), ModelSetting.objects.filter(code=MODEL, enabled=False).exists()


page("run.list", lambda w: reverse("console:runs"))
page("run.detail", lambda w: reverse("console:run", args=[w.run.pk]))
page("run.progress", lambda w: reverse("console:run_progress", args=[w.run.pk]))


@case("run.start")
def start_run(w: World, p: str) -> tuple[str, bool | None]:
    before = Run.objects.count()
    response = w.client(p).post(reverse("console:runs"), {"engine": "duckdb", "models": [MODEL]})
    return outcome(response, ok=(302,)), Run.objects.count() > before


# hits and alerts
page("hit.list", lambda w: with_data(w, reverse("console:hits")))
for _v in ("ours", "finance", "elsewhere", "conflict", "orphan"):
    page(f"hit.detail[{_v}]", lambda w, v=_v: reverse("console:hit", args=[w.hits[v].pk]))
page("alert.list", lambda w: with_data(w, reverse("console:alerts")))
for _v in ("ours", "finance", "elsewhere", "conflict", "closed"):
    page(f"alert.detail[{_v}]", lambda w, v=_v: reverse("console:alert", args=[w.alerts[v].pk]))
    api_page(f"api.detail[{_v}]", lambda w, v=_v: f"/api/v1/alerts/{w.alerts[v].pk}")
page("alert.export", lambda w: with_data(w, reverse("console:alerts_export")))
page("alert.tasks", lambda w: with_data(w, reverse("console:tasks")))
page("alert.inbox", lambda w: reverse("console:inbox"))
page("cockpit", lambda w: with_data(w, reverse("console:cockpit")))
page("cockpit[other_township]", lambda w: with_data(w, reverse("console:cockpit") + f"?township={OTHER_TOWNSHIP}"))
page("cockpit[finance_village]", lambda w: with_data(w, reverse("console:cockpit") + f"?village={OTHER_VILLAGE}"))


def attachment(variant: str) -> None:
    @case(f"alert.attachment[{variant}]")
    def get(w: World, p: str) -> tuple[str, bool | None]:
        alert = w.alerts[variant]
        item = Attachment.objects.create(alert=alert, file=SimpleUploadedFile("核查报告.pdf", b"%PDF-1.4\n"),
                                         name="核查报告.pdf", uploaded_by=w.user("county_admin"))
        return outcome(w.client(p).get(reverse("console:alert_attachment", args=[alert.pk, item.pk]))), None


attachment("ours")
attachment("elsewhere")

# The lifecycle: (state the alert is put in, form fields, API path and body, the status after).
ACTIONS: dict[str, tuple[str, dict[str, Any], str, dict[str, Any]]] = {
    "sign": ("new", {}, "sign", {}),
    "submit_result": ("verifying", {"result": "not_confirmed", "account": "经核查，情况不属实。"},
                      "result", {"result": "not_confirmed", "account": "经核查，情况不属实。"}),
    "request_dismissal": ("verifying", {"reason": "数据口径不同，属误报。"}, "dismissal", {"reason": "数据口径不同，属误报。"}),
    "review": ("department_result", {"decision": "approve", "note": ""}, "review", {"approve": True}),
    "rectify": ("rectifying", {"money_recovered": "0", "note": "已整改"}, "rectification",
                {"money_recovered": "0", "note": "已整改"}),
    "reassign": ("new", {"reason": "改由财政局核查"}, "reassign", {"reason": "改由财政局核查"}),
}


def lifecycle(surface: str, action: str, variant: str) -> None:
    """POST one action on the alert `variant` (a state name for reviews, on `ours`)."""
    state, fields, api_path, api_body = ACTIONS[action]
    alert_name = variant
    if action == "review":
        state, alert_name = variant, "ours"
    elif variant == "closed":
        state = "closed"

    @case(f"{surface}.{action}[{variant}]")
    def post(w: World, p: str) -> tuple[str, bool | None]:
        alert = w.put(w.alerts[alert_name], state)
        before = (alert.status, alert.department_id, AlertEvent.objects.filter(alert=alert).count())
        form = dict(fields)
        body_ = dict(api_body)
        if action == "reassign":
            form.update(department=w.finance.pk, township=w.township.pk)
            body_.update(department_id=w.finance.pk, township_id=w.township.pk)
        if surface == "alert":
            data = {f"{action}-{k}": v for k, v in form.items()}
            response = w.client(p).post(reverse("console:alert_act", args=[alert.pk, action]), data)
            seen = outcome(response, ok=(302,))
        else:
            response = w.client(p).post(f"/api/v1/alerts/{alert.pk}/{api_path}", body_,
                                        content_type="application/json", **w.api(p))
            seen = outcome(response, ok=(200,))
        alert.refresh_from_db()
        after = (alert.status, alert.department_id, AlertEvent.objects.filter(alert=alert).count())
        return seen, after != before


for _name in EXPECTED:
    _m = re.fullmatch(r"(alert|api)\.(sign|submit_result|request_dismissal|review|rectify|reassign)\[(\w+)\]", _name)
    if _m:
        lifecycle(*_m.groups())


api_page("api.list", lambda w: with_data(w, "/api/v1/alerts"))


# settings and administration
page("deadlines.view", lambda w: reverse("console:deadlines"))


@case("deadlines.change")
def change_deadlines(w: World, p: str) -> tuple[str, bool | None]:
    data = {"high_sign": "2", "high_result": "12", "medium_sign": "3", "medium_result": "15",
            "low_sign": "", "low_result": ""}
    response = w.client(p).post(reverse("console:deadlines"), data)
    return outcome(response, ok=(302,)), DeadlinePolicy.objects.filter(level="high", sign_days=2).exists()


page("audit.view", lambda w: named("console:audit"))


@case("audit.verify")
def verify(w: World, p: str) -> tuple[str, bool | None]:
    url = named("console:audit_verify")
    before = AuditEntry.objects.filter(action="audit.verified").count()
    response = w.client(p).post(url)
    return outcome(response, ok=(200,)), AuditEntry.objects.filter(action="audit.verified").count() > before


page("admin.memberships", lambda w: "/admin/accounts/membership/")
page("staff.list", lambda w: named("console:staff"))
page("staff.template", lambda w: named("console:staff_template"))


@case("staff.upload[no_file]")
def staff_upload(w: World, p: str) -> tuple[str, bool | None]:
    """The first step of a staff import writes nothing; without a file, the form's 400."""
    return outcome(w.client(p).post(named("console:staff_upload"), {})), None


@case("staff.deactivate")
def deactivate(w: World, p: str) -> tuple[str, bool | None]:
    clerk = w.outsider
    response = w.client(p).post(named("console:staff_set_active", clerk.pk), {"active": "0"})
    clerk.refresh_from_db()
    return outcome(response, ok=(302,)), not clerk.is_active


@case("tokens.list")
def token_list(w: World, p: str) -> tuple[str, bool | None]:
    """Everyone lists their own tokens; only the administrator sees another user's."""
    theirs, _ = do_create_token(user=w.outsider, name="outsider-robot")
    response = w.client(p).get(named("console:tokens"))
    if response.status_code == 200:
        shown = theirs.prefix in response.content.decode()
        assert shown == (p == "county_admin"), f"{p} {'sees' if shown else 'does not see'} another user's token"
    return outcome(response), None


@case("tokens.create")
def token_create(w: World, p: str) -> tuple[str, bool | None]:
    response = w.client(p).post(named("console:token_create"), {"name": "my-robot", "days": "30"})
    user = w.user(p)
    made = user is not None and ApiToken.objects.filter(user=user, name="my-robot").exists()
    return outcome(response, ok=(200,)), made


def revoke(variant: str) -> None:
    @case(f"tokens.revoke[{variant}]")
    def post(w: World, p: str) -> tuple[str, bool | None]:
        owner = w.user(p) if variant == "own" else w.outsider
        token, _ = do_create_token(user=owner or w.outsider, name="robot")
        response = w.client(p).post(named("console:token_revoke", token.pk))
        token.refresh_from_db()
        return outcome(response, ok=(302,)), token.revoked


revoke("own")
revoke("other")


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


def test_a_deactivated_account_is_refused_everywhere(world: World) -> None:
    """Deactivating a county administrator ends their session and their API tokens at once."""
    from mingjing.accounts.actions import do_set_staff_active

    client, bearer = world.client("county_admin"), world.api("county_admin")
    alert = world.alerts["ours"]
    assert client.get(reverse("console:alerts")).status_code == 200
    assert Client().get("/api/v1/alerts", **bearer).status_code == 200
    user = world.user("county_admin")
    assert user is not None
    do_set_staff_active(account=user, active=False, user=None)
    for url in (reverse("console:alerts"), reverse("console:alert", args=[alert.pk]), reverse("console:data")):
        assert outcome(client.get(url)) == "login", url
    for url in ("/api/v1/alerts", f"/api/v1/alerts/{alert.pk}"):
        assert Client().get(url, **bearer).status_code == 401, url
    response = client.post(reverse("console:alert_act", args=[alert.pk, "sign"]))
    assert outcome(response) == "login"
    alert.refresh_from_db()
    assert alert.status == Alert.Status.NEW


# -- what the lists show: exactly the jurisdiction ----------------------------------------------------

LISTS = ["alerts", "hits", "api", "export"]


def listed_ids(w: World, persona: str, surface: str) -> set[int]:
    client = w.client(persona)
    if surface == "alerts":
        response = client.get(reverse("console:alerts"))
        assert response.status_code == 200
        return {int(n) for n in re.findall(r'<tr data-alert="(\d+)"', response.content.decode())}
    if surface == "hits":
        response = client.get(reverse("console:hits") + "?seen=all")
        assert response.status_code == 200
        return {int(n) for n in re.findall(r'href="/console/hits/(\d+)/"', response.content.decode())}
    if surface == "api":
        response = Client().get("/api/v1/alerts?page_size=200", **w.api(persona))
        assert response.status_code == 200
        return {r["id"] for r in response.json()["results"]}
    response = client.get(reverse("console:alerts_export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    return {int(r[0]) for r in list(sheet.iter_rows(values_only=True))[1:]}


@pytest.mark.parametrize("surface", LISTS)
@pytest.mark.parametrize("persona", list(VISIBLE))
def test_the_lists_show_exactly_the_jurisdiction(world: World, persona: str, surface: str) -> None:
    if surface == "hits":
        objects = {name: h.pk for name, h in world.hits.items()}
        extra = HITS_ONLY_COUNTY if persona in ("county_admin", "county_analyst") else set()
    else:
        objects = {name: a.pk for name, a in world.alerts.items()}
        extra = set()
    names = {pk: name for name, pk in objects.items()}
    found = {names.get(pk, f"#{pk}") for pk in listed_ids(world, persona, surface)}
    assert found == VISIBLE[persona] | extra


# -- the documentation --------------------------------------------------------------------------------


def test_docs_access_md_is_the_policy_table() -> None:
    """docs/access.md is generated (`mingjing access doc > docs/access.md`) and committed."""
    committed = ROOT / "docs" / "access.md"
    assert committed.is_file(), "docs/access.md is missing: run `mingjing access doc > docs/access.md`"
    assert committed.read_text(encoding="utf-8") == policy.markdown_table(), (
        "docs/access.md is out of date: run `mingjing access doc > docs/access.md`")


# -- every console route is in the matrix -------------------------------------------------------------

# Routes whose access is covered by a row above, and the few left out with the reason.
COVERED = {
    "data", "upload", "batch", "batch_progress", "batch_rejects", "batch_original", "batch_retract",
    "models", "model_setting", "runs", "run", "run_progress", "hits", "hit",
    "alerts", "alerts_export", "alert", "alert_attachment", "alert_act", "tasks", "inbox",
    "deadlines", "cockpit", "audit", "audit_verify", "staff", "staff_template", "staff_upload", "staff_set_active",
    "tokens", "token_create", "token_revoke",
}
LEFT_OUT = {
    "inbox_read_all": "marks one's own notifications read: nothing of anyone else's",
    "notification_read": "one's own notifications only (404 otherwise): tests/test_alert_pages.py",
    "staff_confirm": "staff.manage like staff_upload; confirming needs an upload staged by the same account",
}


def test_every_console_route_is_in_the_matrix() -> None:
    from tests.test_complaints_access import COVERED as COMPLAINTS_COVERED
    from tests.test_complaints_access import LEFT_OUT as COMPLAINTS_LEFT_OUT
    from tests.test_portal_access import COVERED as PORTAL_COVERED
    from tests.test_portal_access import LEFT_OUT as PORTAL_LEFT_OUT

    resolver = get_resolver()
    console = resolver.namespace_dict["console"][1]
    names = {name for name in console.reverse_dict if isinstance(name, str)}
    missing = (names - COVERED - set(LEFT_OUT) - PORTAL_COVERED - set(PORTAL_LEFT_OUT)
               - COMPLAINTS_COVERED - set(COMPLAINTS_LEFT_OUT))
    assert not missing, f"console routes with no row in the access matrix: {sorted(missing)}"
