"""监督一点通 in the cockpit: counts by category, status and channel, the three measures of
domain-notes.md §6.3 (on time, satisfied, repeated) on a hand-made set of complaints in known
states, each user's scope (tip-offs only where they may be read), and the page itself."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.conf import LazySettings
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mingjing.accounts import policy
from mingjing.complaints import actions
from mingjing.complaints.models import Complaint
from mingjing.complaints.stats import complaint_stats
from tests.alerts_fixtures import (
    OTHER_TOWNSHIP,
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    Cast,
    engine_hit,
    make_cast,
    run_with,
)
from tests.test_browser import ARTIFACTS, CHROMIUM, log_in
from tests.test_browser import browser as chromium  # noqa: F401 (a fixture: a headless Chromium)

pytestmark = pytest.mark.django_db

FAR_VILLAGE = OTHER_TOWNSHIP[:9] + "201"
# Thirty days ago: the page counts what is overdue at the real time, which is NOW give or take.
T = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0) - dt.timedelta(days=30)
NOW = T + dt.timedelta(days=30)
DAY = dt.timedelta(days=1)
_numbers = itertools.count(1)


def make(**fields: Any) -> Complaint:
    """A complaint in an exact state, straight through the ORM (timestamps as given)."""
    created_at = fields.pop("created_at", T)
    values: dict[str, Any] = {
        "reference": f"T{next(_numbers):07d}", "secret_hash": "-", "channel": "complaint", "village_code": VILLAGE,
        "township_code": TOWNSHIP, "text": "村里修路的钱没有公开。", "accept_due": T + DAY,
        **fields,
    }
    complaint = Complaint.objects.create(**values)
    Complaint.objects.filter(pk=complaint.pk).update(created_at=created_at)
    complaint.refresh_from_db()
    return complaint


def finished(status: str = "closed", *, accepted: dt.timedelta = DAY / 2, answered: dt.timedelta = 5 * DAY,
             answer_due: dt.timedelta = 14 * DAY, **fields: Any) -> Complaint:
    """Accepted `accepted` after filing (due within a day), answered `answered` after filing."""
    return make(status=status, accepted_at=T + accepted, answered_at=T + answered, answer_due=T + answer_due,
                closed_at=T + answered + DAY if status == "closed" else None, **fields)


@pytest.fixture
def cast(alice: User) -> Cast:
    return make_cast(alice)


@pytest.fixture
def known(cast: Cast) -> dict[str, Complaint]:
    """Eleven complaints of the township of tom, in known states:

    finished (answered or closed, neither rejected nor transferred): 5, of which on time 3
    (`late_answer` answered after its deadline, `late_accept` accepted after its day) → 60.0 %;
    rated 5 (the reopened one keeps "not resolved"), satisfied 3 → 60.0 %; repeats 2 of 11 → 18.2 %;
    overdue now 2; accepted 7, of which 6 within the day.
    """
    township = cast.township
    c: dict[str, Complaint] = {}
    c["satisfied"] = finished(category="project", rating="satisfied", triage=township)
    c["unrated"] = finished("answered", category="project", triage=township)
    c["late_answer"] = finished(answered=20 * DAY, category="welfare", rating="not_resolved", reopened_count=1,
                                triage=township)
    c["extended"] = finished(answered=18 * DAY, answer_due=24 * DAY, extended=True, category="welfare",
                             rating="satisfied", triage=township)
    c["late_accept"] = finished(accepted=3 * DAY, suggested_category="labour", rating="satisfied", triage=township)
    c["rejected"] = make(status="rejected", closed_at=T + DAY / 2, reject_reason="不属于受理范围",
                         suggested_category="other", triage=township)
    c["transferred"] = make(status="answered", transfer_body="12345", answered_at=T + 3 * DAY, answer="已处理",
                            suggested_category="other", triage=township)
    c["waiting"] = make(status="submitted", accept_due=NOW - DAY, category="", suggested_category="", triage=township)
    c["stuck"] = make(status="accepted", accepted_at=T + DAY / 2, answer_due=NOW - DAY, category="assets",
                      triage=township, repeat_of=c["waiting"])
    c["new"] = make(status="submitted", accept_due=NOW + DAY, suggested_category="assets", triage=township,
                    repeat_of=c["waiting"])
    c["reopened"] = make(status="accepted", accepted_at=T + DAY / 2, answered_at=T + 5 * DAY, answer_due=NOW + 5 * DAY,
                         reopened_count=1, rating="not_resolved", category="conduct", triage=township)
    return c


def test_the_measures_on_known_complaints_are_exact(known: dict[str, Complaint]) -> None:
    stats = complaint_stats(Complaint.objects.all(), NOW)
    assert stats["total"] == 11
    assert (stats["finished"], stats["on_time"], stats["on_time_rate"]) == (5, 3, Decimal("0.600"))
    assert (stats["rated"], stats["satisfied"], stats["satisfaction_rate"]) == (5, 3, Decimal("0.600"))
    assert (stats["repeats"], stats["repeat_rate"]) == (2, Decimal("0.182"))
    assert (stats["accepted"], stats["accepted_on_time"], stats["accept_on_time_rate"]) == (7, 6, Decimal("0.857"))
    assert stats["overdue"] == 2
    assert stats["targets"] == {"on_time": Decimal("0.99"), "satisfaction": Decimal("0.95")}


def test_four_answered_of_which_three_on_time_is_75_percent(cast: Cast) -> None:
    for answered in (2, 5, 9):
        finished(answered=answered * DAY, triage=cast.township)
    finished(answered=15 * DAY, triage=cast.township)  # a day after its deadline
    assert complaint_stats(Complaint.objects.all(), NOW)["on_time_rate"] == Decimal("0.750")


def test_counts_by_category_status_and_channel_include_zeros(known: dict[str, Complaint]) -> None:
    stats = complaint_stats(Complaint.objects.all(), NOW)
    # the confirmed category, else the suggested one, else "" (not categorised)
    assert stats["by_category"] == {"project": 2, "assets": 2, "welfare": 2, "labour": 1, "openness": 0,
                                    "conduct": 1, "other": 2, "": 1}
    assert sum(stats["by_category"].values()) == sum(stats["by_channel"].values()) == stats["total"]
    assert stats["by_status"] == {"submitted": 2, "accepted": 2, "under_review": 0, "answered": 2, "closed": 4,
                                  "rejected": 1, "transferred": 0}
    assert stats["by_channel"] == {"complaint": 11, "tipoff": 0}
    assert stats["by_village"] == [{"code": VILLAGE, "name": "东风村", "n": 11}]


def test_nothing_to_divide_by_gives_no_rate(cast: Cast) -> None:
    stats = complaint_stats(Complaint.objects.none(), NOW)
    assert stats["total"] == 0 and stats["by_village"] == []
    assert stats["on_time_rate"] is stats["satisfaction_rate"] is stats["repeat_rate"] is None


def test_the_figures_take_the_same_few_queries_for_any_number_of_complaints(known: dict[str, Complaint]) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as done:
            complaint_stats(Complaint.objects.all(), NOW)
        return len(done)

    few = queries()
    for _ in range(40):
        make(status="submitted", village_code=OTHER_VILLAGE, suggested_category="labour")
    assert queries() == few <= 6  # groups, villages, and the names (organisations, the regions' batches)
    stats = complaint_stats(Complaint.objects.all(), NOW)
    assert stats["total"] == 51 and stats["by_village"][0] == {"code": OTHER_VILLAGE, "name": OTHER_VILLAGE, "n": 40}


@pytest.fixture
def spread(cast: Cast, known: dict[str, Complaint]) -> dict[str, Complaint]:
    """Beside tom's eleven: a complaint in olga's township, and three tip-offs: one routed to
    tom's commission, one about tom's township that recusal sent to the county, one in olga's."""
    later = {"accept_due": NOW + DAY}  # none of them overdue
    return {
        "far": make(**later, village_code=FAR_VILLAGE, township_code=OTHER_TOWNSHIP, triage=cast.other_township,
                    category="labour"),
        "tip_here": make(**later, channel="tipoff", triage=cast.township, category="conduct"),
        "tip_recused": make(**later, channel="tipoff", triage=cast.county, category="conduct",
                            excluded_orgs=f",{cast.township.pk},"),
        "tip_far": make(**later, channel="tipoff", village_code=FAR_VILLAGE, township_code=OTHER_TOWNSHIP,
                        triage=cast.other_township, category="conduct"),
    }


def test_a_township_officer_counts_only_their_township_and_tipoffs_routed_to_them(
    cast: Cast, spread: dict[str, Complaint]
) -> None:
    tom = complaint_stats(policy.complaints_for(cast.tom), NOW)
    assert tom["total"] == 12 and tom["by_channel"] == {"complaint": 11, "tipoff": 1}
    assert tom["by_category"]["conduct"] == 2 and tom["by_category"]["labour"] == 1
    olga = complaint_stats(policy.complaints_for(cast.olga), NOW)
    assert olga["total"] == 2 and olga["by_channel"] == {"complaint": 1, "tipoff": 1}
    # The county: every complaint, and only the tip-off routed to the county commission.
    alice = complaint_stats(policy.complaints_for(cast.alice), NOW)
    assert alice["total"] == 13 and alice["by_channel"] == {"complaint": 12, "tipoff": 1}
    assert complaint_stats(policy.complaints_for(cast.victor), NOW)["total"] == 0  # nothing handled by the village


def section(client: Client, query: str = "") -> dict[str, Any]:
    """The 群众投诉 part of the cockpit page: its numbers and its charts' data."""
    response = client.get(f"/console/cockpit/{query}")
    assert response.status_code == 200
    body = response.content.decode()
    raw = re.search(r'<script id="cockpit-data" type="application/json">(.*?)</script>', body, re.S)
    assert raw is not None
    part = body[body.index('id="complaints"'):body.index('aria-labelledby="visits-title"')]

    def kpi(name: str) -> str:
        found = re.search(rf'id="kpi-complaints{name}"[^>]*>([^<]*)<', part)
        assert found is not None, name
        return found.group(1)

    return {
        "total": kpi(""), "overdue": kpi("-overdue"), "on_time": kpi("-on-time"), "satisfied": kpi("-satisfied"),
        "repeat": kpi("-repeat"), "accepted": kpi("-accepted"),
        "chart": json.loads(raw.group(1))["complaints"], "part": part,
    }


def test_the_cockpit_shows_the_section_with_the_numbers_and_targets(
    cast: Cast, spread: dict[str, Complaint], client: Client
) -> None:
    client.force_login(cast.tom)
    seen = section(client)
    assert (seen["total"], seen["overdue"]) == ("12", "2")  # tom's eleven and the tip-off routed to him
    # the tip-off is neither finished nor rated: the rates are those of the known eleven, less
    # the repeats' denominator (2 of 12)
    assert (seen["on_time"], seen["satisfied"], seen["repeat"]) == ("60.0%", "60.0%", "16.7%")
    assert "99%" in seen["part"] and "95%" in seen["part"]  # the targets
    assert 'id="kpi-complaints-on-time" data-n="3" data-of="5" class="overdue"' in seen["part"]  # below target
    by_status = {s["key"]: s["n"] for s in seen["chart"]["by_status"]}
    assert by_status["closed"] == 4 and by_status["submitted"] == 3
    by_category = {c["key"]: c["n"] for c in seen["chart"]["by_category"]}
    assert by_category["conduct"] == 2 and sum(by_category.values()) == 12
    assert "东风村" in seen["part"] and FAR_VILLAGE not in seen["part"]


def test_the_county_sees_every_complaint_but_not_tipoffs_routed_to_townships(
    cast: Cast, spread: dict[str, Complaint], client: Client
) -> None:
    client.force_login(cast.alice)
    seen = section(client)
    assert seen["total"] == "13"
    assert {c["key"]: c["n"] for c in seen["chart"]["by_category"]}["conduct"] == 2  # reopened + recused tip-off
    assert FAR_VILLAGE in seen["part"]  # olga's village among the villages


def test_the_section_follows_the_cockpits_drill_down(cast: Cast, spread: dict[str, Complaint], client: Client) -> None:
    run_with(engine_hit(1), engine_hit(2, region=OTHER_VILLAGE))  # the drill-down needs alerts there
    make(village_code=OTHER_VILLAGE, triage=cast.township)
    client.force_login(cast.alice)
    assert section(client, f"?township={TOWNSHIP}")["total"] == "13"  # 11 + the recused tip-off + 1
    assert section(client, f"?township={TOWNSHIP}&village={OTHER_VILLAGE}")["total"] == "1"


def test_a_new_complaint_shows_at_once_despite_the_cache(
    cast: Cast, known: dict[str, Complaint], client: Client
) -> None:
    client.force_login(cast.tom)
    assert section(client)["total"] == "11"
    make(triage=cast.township)
    assert section(client)["total"] == "12"
    actions.do_rate(complaint=known["unrated"], rating="satisfied")
    assert section(client)["satisfied"] == "66.7%"  # 4 of 6


def test_the_section_without_complaints_shows_dashes(cast: Cast, client: Client) -> None:
    client.force_login(cast.victor)
    seen = section(client)
    assert (seen["total"], seen["on_time"], seen["satisfied"]) == ("0", "—", "—")


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_a_browser_draws_the_two_complaint_charts(
    cast: Cast, spread: dict[str, Complaint], live_server: Any, chromium: Any, settings: LazySettings  # noqa: F811
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")  # a phone
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server.url, "tom")
    page.goto(f"{live_server.url}/console/cockpit/")
    for chart in ("complaint_category", "complaint_status"):
        page.wait_for_selector(f'[data-chart="{chart}"] canvas', timeout=10_000)
    assert page.inner_text("#kpi-complaints") == "12" and errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#complaints").screenshot(path=str(ARTIFACTS / "cockpit-complaints-phone.png"))
    context.close()
