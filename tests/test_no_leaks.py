"""No full identifier where the policy does not allow it: a walk of every staff page and API
response on the demo county, one persona per role.

The smallest demo county is generated, imported, given its organisations and detected once for the
module, inside a transaction rolled back at the end (like tests/test_demo_evaluate.py). One persona
per role is attached where the alerts are: the county commission, the busiest township's
commission, 民政局, and the busiest village of that township (all four village roles). Each persona
then walks the list pages (with a few filters and pages), the detail pages of up to 30 alerts and 30
hits of its own querysets, the API list and details, the XLSX export, the batches' pages, rejects
files and originals.

Every full ID number and account number the county holds (the lake's ID and account columns, the
hits and their evidence, the rejects files) is looked for in every response. An appearance is
allowed only
- on the detail page (console hit or alert, API alert) of an object whose subject the presenter
  shows in full to this user (`present_subject(obj, user, "page").full`), for the identifiers of
  that object's hit (subject, key, query output, evidence);
- in a rejects file or an original the policy lets this user download;
- in an export the presenter makes in full for this user (`purpose="export"`), for the
  identifiers of the exported alerts' subjects.
Anything else is a leak. Village personas must also never see a subject's (or any evidence
person's) full name: the presenter shows them the surname only.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections import defaultdict
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q
from django.test import Client, TestCase, override_settings
from openpyxl import load_workbook

from engine import BUILTIN_RULES_DIR
from engine.explain import mask_account, mask_id
from mingjing.accounts import policy
from mingjing.accounts.models import Organisation, Role
from mingjing.accounts.presenter import present_subject
from mingjing.alerts import notify
from mingjing.alerts.models import Alert, Notification
from mingjing.analysis.models import Hit, Run
from mingjing.api.actions import do_create_token
from mingjing.datahub import lake
from mingjing.datahub.actions import do_import_file
from mingjing.datahub.contract import DATASETS
from mingjing.datahub.models import Batch
from mingjing.datahub.queries import read_dataset
from tests.demo_county import home_settings, smallest_county
from tests.personas import VILLAGE_ROLES, staff

pytestmark = pytest.mark.django_db

ROLES = [r.value for r in Role]
DETAILS_PER_KIND = 30  # alerts, hits and API details opened per persona
# A run of digits (an ID number may end in X) standing alone: candidates to look up.
CANDIDATE = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[Xx]|\d{12,30})(?![0-9A-Za-z])")
# Evidence columns that name people (the presenter's rule: `*_name`, `name`, `*_names`), less the
# ones naming programmes, firms and places.
PERSON_NAME = re.compile(r"(^|_)names?$")
NOT_PERSON = {"program_name", "business_name", "township_name", "village_name", "region_name"}


# -- what the county holds --------------------------------------------------------------------------


def _strings(value: Any) -> Iterator[str]:
    """Every scalar inside a JSON value, as text."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)
    elif value is not None and not isinstance(value, bool):
        yield str(value)


def _person_names(hit: Hit) -> set[str]:
    """The subject's name and the names of the people in its evidence (2 characters or more)."""
    names = {hit.name}
    for item in hit.evidence or []:
        for column, value in (item.get("values") or {}).items():
            if PERSON_NAME.search(column) and column not in NOT_PERSON:
                names.update(v for v in _strings(value))
    return {n for n in names if n and len(n) >= 2}


@dataclass
class Identifiers:
    ids: set[str] = field(default_factory=set)
    accounts: set[str] = field(default_factory=set)

    def add(self, column: str, value: Any) -> None:
        text = "" if value is None else str(value).strip().upper()
        if len(text) < 12 or not text[:-1].isdigit():
            return
        (self.accounts if "account" in column else self.ids).add(text)

    def find(self, text: str) -> set[str]:
        found = set()
        for match in CANDIDATE.finditer(text):
            token = match.group(0).upper()
            if token in self.ids or token in self.accounts:
                found.add(token)
        return found

    def of_hit(self, hit: Hit) -> set[str]:
        """The identifiers a hit carries: its subject, key, query output and evidence."""
        values = {hit.id_number.upper(), (hit.account_no or "").upper()}
        values.update(s.upper() for s in _strings([hit.key, hit.values, hit.evidence]))
        return {v for v in values if v in self.ids or v in self.accounts}

    def masked(self, value: str) -> str:
        return f"account {mask_account(value)}" if value in self.accounts else f"ID {mask_id(value)}"


def county_identifiers() -> Identifiers:
    """Every full ID and account number of the lake, the hits and the rejects files."""
    known = Identifiers()
    for name, dataset in DATASETS.items():
        columns = [c.name for c in dataset.columns if "id_number" in c.name or "account_no" in c.name]
        table = read_dataset(name, columns) if columns else None
        for column in columns if table is not None else []:
            for value in set(table.column(column).to_pylist()):
                known.add(column, value)
    for hit in Hit.objects.only("id_number", "account_no", "evidence", "key", "values"):
        known.add("id_number", hit.id_number)
        known.add("account_no", hit.account_no)
        for item in hit.evidence or []:
            for column, value in (item.get("values") or {}).items():
                if "id_number" in column or "account" in column:
                    for v in _strings(value):
                        known.add(column, v)
    for batch in Batch.objects.filter(rows_rejected__gt=0):
        path = lake.rejects_path(batch.pk)
        if path.is_file():  # rejected rows keep their raw values: IDs there are identifiers too
            for token in CANDIDATE.findall(path.read_text(encoding="utf-8-sig", errors="replace")):
                if len(token) == 18:
                    known.ids.add(token.upper())
    return known


# -- the walk ---------------------------------------------------------------------------------------


@dataclass
class Leak:
    url: str
    what: str  # the identifier, masked
    context: str = ""  # the text around it, the identifier masked

    def __str__(self) -> str:
        return f"{self.url}: {self.what}" + (f"  …{self.context}…" if self.context else "")


def _around(text: str, value: str, masked: str) -> str:
    """Where the value appears: some text either side, tags and runs of space squeezed."""
    at = text.find(value)
    snippet = text[max(0, at - 160): at + len(value) + 60].replace(value, masked)
    return " ".join(re.sub(r"<[^>]*>", " ", snippet).split())[-120:]


@dataclass
class Walked:
    """What one persona's walk found."""

    responses: int = 0
    alerts_opened: int = 0
    hits_opened: int = 0
    full_shown: int = 0  # allowed appearances of full identifiers (the positive control)
    leaks: list[Leak] = field(default_factory=list)
    name_leaks: list[Leak] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _text(response: Any) -> str:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/json"):  # \uXXXX escapes undone
        return json.dumps(json.loads(data), ensure_ascii=False)
    if data[:2] == b"PK":  # an XLSX workbook: every cell of every sheet
        book = load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join("\t".join("" if v is None else str(v) for v in row)
                         for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))
    return data.decode("utf-8-sig", errors="replace")


def _spread(ids: list[tuple[str, int]], n: int) -> list[int]:
    """Up to n objects, taken round robin across models so each model's pages are seen."""
    by_model: dict[str, list[int]] = defaultdict(list)
    for model, pk in ids:
        by_model[model].append(pk)
    picked: list[int] = []
    queues = [list(v) for _, v in sorted(by_model.items())]
    while len(picked) < n and any(queues):
        for queue in queues:
            if queue and len(picked) < n:
                picked.append(queue.pop(0))
    return picked


class Walker:
    """One persona's walk: every response scanned for full identifiers (and, for village roles,
    full names), each appearance judged allowed or a leak."""

    def __init__(self, user: Any, known: Identifiers, places: dict[str, str]) -> None:
        self.user = user
        self.known = known
        self.places = places
        self.out = Walked()
        self.client = Client()
        self.client.force_login(user)
        _, secret = do_create_token(user=user, name="leak-walk")
        self.bearer = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
        self.village = policy.is_village(user)
        visible = policy.alerts_for(user).select_related("hit")
        self.names: set[str] = set()
        if self.village:  # the names this persona's alerts are about
            for alert in visible:
                self.names |= _person_names(alert.hit)

    def check(self, url: str, response: Any, allowed: AbstractSet[str] = frozenset()) -> str:
        self.out.responses += 1
        self.out.statuses[url] = response.status_code
        text = _text(response)
        for value in self.known.find(text):
            if value in allowed:
                self.out.full_shown += 1
            else:
                masked = self.known.masked(value)
                self.out.leaks.append(Leak(url, masked, _around(text, value, masked.split()[-1])))
        if self.village:
            for name in self.names:
                if name in text:
                    masked = name[:1] + "*" * (len(name) - 1)
                    self.out.name_leaks.append(Leak(url, f"name {masked}", _around(text, name, masked)))
        return text

    def get(self, url: str, allowed: AbstractSet[str] = frozenset(), **extra: Any) -> Any:
        response = self.client.get(url, **extra)
        self.check(url, response, allowed)
        return response

    def walk(self) -> Walked:
        user = self.user
        t, v = self.places["township"], self.places["village"]
        lists = [
            "/console/data/", "/console/data/?page=2",
            "/console/alerts/", "/console/alerts/?sort=-amount", "/console/alerts/?sort=deadline",
            "/console/alerts/?colour=red", "/console/alerts/?page=2", "/console/alerts/?level=high&status=new",
            f"/console/alerts/?township={t}", f"/console/alerts/?township={t}&village={v}",
            "/console/hits/", "/console/hits/?seen=all", "/console/hits/?page=2", "/console/hits/?level=high",
            "/console/hits/?sort=amount", f"/console/hits/?township={t}", f"/console/hits/?township={t}&village={v}",
            "/console/tasks/", "/console/inbox/", "/console/cockpit/", f"/console/cockpit/?township={t}",
            f"/console/cockpit/?township={t}&village={v}",
            "/console/runs/", "/console/models/", "/console/settings/deadlines/",
            "/console/audit/", "/console/tokens/", "/console/staff/",
            "/api/v1/alerts?page_size=200", "/api/v1/alerts?page_size=200&page=2", "/api/v1/alerts?sort=-amount",
        ]
        for url in lists:
            self.get(url, **(self.bearer if url.startswith("/api/") else {}))
        for run in Run.objects.order_by("pk"):
            self.get(f"/console/runs/{run.pk}/")
        self.walk_batches()
        self.walk_alerts()
        self.walk_hits()
        # The export: the subjects in full only where the presenter makes the export in full.
        exported = policy.alerts_for(user).select_related("hit")
        allowed = set()
        for alert in exported:
            if present_subject(alert, user, "export").full:
                allowed |= {alert.hit.id_number.upper(), (alert.hit.account_no or "").upper()}
        self.get("/console/alerts/export.xlsx", allowed)
        return self.out

    def walk_batches(self) -> None:
        """The pages and rejects of the batches with rejected rows (their reports name the
        reasons), a few others, and the originals of those delivered by a department and of a
        few imported by the county."""
        user = self.user
        batches = list(Batch.objects.order_by("pk"))
        rejecting = [b for b in batches if b.rows_rejected]
        others = [b for b in batches if not b.rows_rejected][:3]
        for batch in rejecting + others:
            self.get(f"/console/data/batches/{batch.pk}/")
        for batch in rejecting:
            url = f"/console/data/batches/{batch.pk}/rejects.csv"
            may = policy.can(user, "batch.rejects", batch)
            self.check(url, self.client.get(url), self.known.ids | self.known.accounts if may else set())
        for batch in [b for b in batches if b.organisation_id] + batches[-3:]:
            url = f"/console/data/batches/{batch.pk}/original/"
            response = self.client.get(url)
            if response.status_code == 200 and policy.can(user, "batch.original", batch):
                self.out.responses += 1
                for _chunk in response.streaming_content:  # allowed, not scanned; read to the end
                    pass  # (closing it early would fire request_finished and close the connection)
            else:
                self.check(url, response)

    def walk_alerts(self) -> None:
        user = self.user
        visible = policy.alerts_for(user)
        for pk in _spread(list(visible.values_list("model", "pk")), DETAILS_PER_KIND):
            alert = Alert.objects.select_related("hit").get(pk=pk)
            allowed = self.known.of_hit(alert.hit) if present_subject(alert, user, "page").full else set()
            self.out.alerts_opened += 1
            assert self.get(f"/console/alerts/{pk}/", allowed).status_code == 200
            assert self.get(f"/api/v1/alerts/{pk}", allowed, **self.bearer).status_code == 200

    def walk_hits(self) -> None:
        user = self.user
        for pk in _spread(list(policy.hits_for(user).values_list("model", "pk")), DETAILS_PER_KIND):
            hit = Hit.objects.get(pk=pk)
            allowed = self.known.of_hit(hit) if present_subject(hit, user, "page").full else set()
            self.out.hits_opened += 1
            assert self.get(f"/console/hits/{pk}/", allowed).status_code == 200


# -- the county, the personas, the walk (once for the module) -------------------------------------


def busiest(places: Any, field_name: str) -> str:
    row = places.values(field_name).annotate(n=Count("id")).order_by("-n", field_name).first()
    return row[field_name] if row else ""


def department_upload(folder: Path, user: Any, known: Identifiers) -> Batch:
    """A small payment roll delivered by 民政局 through its officer, one row rejected: the
    department may download these rejects, no one below the county else."""
    people = sorted(known.ids)[:2]
    path = folder / "民政局补报.csv"
    path.write_text(
        "项目编码,身份证号码,姓名,村(社区)代码,发放年月,发放金额\n"
        f"DB01,{people[0]},测试甲,110101001201,2026-01,100.00\n"
        f"DB01,{people[1]},测试乙,110101001201,2026-13,abc\n",
        encoding="utf-8",
    )
    return do_import_file("payments", path, user=user, force=True)


def notify_some(township: str) -> int:
    """Inbox messages for the personas (sent on commit, so run here): new alerts for the township
    and 民政局, results to review for the township and the county."""
    routed = Alert.objects.filter(Q(township_code=township) | Q(department__department="民政局"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        for alert in routed.select_related("hit", "department", "township").order_by("pk")[:20]:
            notify.alert_assigned(alert)
            notify.review_needed(alert)
    return Notification.objects.count()


# -- the public walk: the portal as anybody sees it ----------------------------------------------------

PUBLIC_PAGES = 600  # pages crawled from the county index at most
PHONE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")  # a mainland mobile number standing alone
HREF = re.compile(r'href="(/(?:v|h)/[^"#]*)"')


@dataclass
class PublicWalk:
    pages: int = 0
    lists: int = 0  # masked payment lists read
    leaks: list[Leak] = field(default_factory=list)
    phones: list[Leak] = field(default_factory=list)
    full_names: list[Leak] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)


def walk_public(known: Identifiers, paid_names: set[str]) -> PublicWalk:
    """Every public page reachable from the county index (no sign-in), breadth first, plus a
    successful self-lookup: no full ID or account number, no phone number, and no full name of a
    paid person (public lists show the surname only) anywhere."""
    from django.urls import reverse

    out = PublicWalk()
    client = Client()
    queue, seen = [reverse("portal:index")], set()
    while queue and out.pages < PUBLIC_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url, follow=url.startswith("/h/"))
        out.pages += 1
        out.statuses[url] = response.status_code
        text = _text(response)
        out.sizes[url] = len(response.content) if not response.streaming else 0
        if "/subsidies/" in url and text.count("<tr") > 2:
            out.lists += 1
        for value in known.find(text):
            masked = known.masked(value)
            out.leaks.append(Leak(url, masked, _around(text, value, masked.split()[-1])))
        out.phones += [Leak(url, "phone " + m[:3] + "****" + m[-4:]) for m in PHONE.findall(text)]
        visible = re.sub(r"<[^>]*>", " ", text)
        out.full_names += [Leak(url, "full name " + n[0] + "*") for n in paid_names if n in visible]
        queue += [link.replace("&amp;", "&") for link in HREF.findall(text)]
    return out


def paid_people() -> set[str]:
    """The full names (3 characters or more, so that no village or programme word matches by
    chance) of everybody the payment rolls pay."""
    table = read_dataset("payments", ["name"])
    return {n for n in set(table.column("name").to_pylist()) if n and len(n) >= 3} if table is not None else set()


@dataclass
class Outcome:
    public: PublicWalk
    walked: dict[str, Walked]
    places: dict[str, str]
    alerts: int
    hits: int
    notifications: int


@pytest.fixture(scope="module")
def outcome(
    tmp_path_factory: pytest.TempPathFactory, django_db_setup: None, django_db_blocker: Any
) -> Iterator[Outcome]:
    root = tmp_path_factory.mktemp("no-leaks")
    county = root / "county"
    smallest_county(county)
    home = root / "home"
    dirs = home_settings(home)
    with (
        override_settings(RULES_DIR=BUILTIN_RULES_DIR, MEDIA_ROOT=home / "media", WEBHOOK_URLS=[], **dirs),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        assert not Batch.objects.exists(), "not the (empty) test database"
        call_command("demo", "load", str(county), stdout=io.StringIO())
        from mingjing.accounts.actions import do_sync_organisations

        do_sync_organisations()
        call_command("detect", stdout=io.StringIO())
        alerts = Alert.objects.all()
        township = busiest(alerts, "township_code")
        village = busiest(alerts.filter(township_code=township), "region_code")
        where = {
            Role.COUNTY_ADMIN: Organisation.objects.get(kind="county_commission"),
            Role.COUNTY_ANALYST: Organisation.objects.get(kind="county_commission"),
            Role.TOWNSHIP_OFFICER: Organisation.objects.get(kind="township_commission", region_code=township),
            Role.DEPARTMENT_OFFICER: Organisation.objects.get(kind="department", department="民政局"),
            **{Role(r): Organisation.objects.get(kind="village", region_code=village) for r in VILLAGE_ROLES},
        }
        users = {role.value: staff(f"walk-{role.value}", org, role) for role, org in where.items()}
        known = county_identifiers()
        department_upload(root, users[Role.DEPARTMENT_OFFICER], known)
        notifications = notify_some(township)
        places = {"township": township, "village": village}
        walked = {}
        for name, user in users.items():
            started = time.perf_counter()
            walked[name] = Walker(user, known, places).walk()
            walked[name].seconds = time.perf_counter() - started
        from mingjing.portal.demo import seed_demo

        seed_demo()
        public = walk_public(known, paid_people())
        result = Outcome(public, walked, places, alerts.count(), Hit.objects.count(), notifications)
        transaction.set_rollback(True)
    yield result


# -- the tests --------------------------------------------------------------------------------------


def test_the_demo_county_has_alerts_to_walk(outcome: Outcome) -> None:
    assert outcome.alerts > 0 and outcome.hits >= outcome.alerts
    assert outcome.notifications > 0, "the inboxes are empty: nothing to check there"
    assert outcome.places["township"] and outcome.places["village"]


@pytest.mark.parametrize("role", ROLES)
def test_no_full_identifier_where_the_policy_does_not_allow_it(outcome: Outcome, role: str) -> None:
    walked = outcome.walked[role]
    assert walked.alerts_opened > 0, f"{role} saw no alert: the walk proves nothing"
    shown = sorted({str(leak) for leak in walked.leaks})
    assert not shown, f"{role}: {len(shown)} full identifiers outside what the policy allows:\n" + "\n".join(
        shown[:40])


@pytest.mark.parametrize("role", ROLES)
def test_full_identifiers_do_appear_where_the_policy_allows_them(outcome: Outcome, role: str) -> None:
    """The positive control: the scan finds the full identifiers on the pages that may show them
    (every role above the village), and village roles get none anywhere."""
    walked = outcome.walked[role]
    if role in VILLAGE_ROLES:
        assert walked.full_shown == 0
    else:
        assert walked.full_shown > 0, f"{role}: no full identifier found even on detail pages"


@pytest.mark.parametrize("role", VILLAGE_ROLES)
def test_village_roles_never_see_a_full_name(outcome: Outcome, role: str) -> None:
    shown = sorted({str(leak) for leak in outcome.walked[role].name_leaks})
    assert not shown, f"{role}: {len(shown)} full names:\n" + "\n".join(shown[:40])


def test_the_public_walk_reads_the_portal(outcome: Outcome) -> None:
    """The positive control: the crawl reached village pages, disclosures and payment lists."""
    public = outcome.public
    assert public.pages >= 50, public.statuses
    assert public.lists >= 1, "no masked payment list was read"
    assert not [u for u, status in public.statuses.items() if status >= 500], public.statuses


def test_public_pages_are_small_for_a_cheap_phone(outcome: Outcome) -> None:
    """Every public page under 100 KB (issue 10), no JavaScript needed, so WeChat's browser on a
    slow connection shows it at once."""
    big = {url: size for url, size in outcome.public.sizes.items() if size >= 100_000}
    assert not big, big


def test_no_public_page_shows_a_full_identifier_or_phone_number(outcome: Outcome) -> None:
    public = outcome.public
    assert not public.leaks, "\n".join(map(str, public.leaks[:20]))
    assert not public.phones, "\n".join(map(str, public.phones[:20]))


def test_public_lists_show_surnames_only(outcome: Outcome) -> None:
    assert not outcome.public.full_names, "\n".join(map(str, outcome.public.full_names[:20]))
