"""The cockpit through HTTP: its numbers are the list's numbers for the same scope, and each
level of the drill-down stays within the user's jurisdiction."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import LazySettings
from django.contrib.auth.models import User
from django.test import Client

from mingjing.alerts import actions
from mingjing.alerts.models import Alert
from tests.alerts_fixtures import (
    OTHER_TOWNSHIP,
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    Cast,
    engine_hit,
    make_cast,
    person,
    run_with,
)

FAR_VILLAGE = OTHER_TOWNSHIP[:9] + "201"


@pytest.fixture(autouse=True)
def fast_passwords(settings: LazySettings, tmp_path: Path) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cast(alice: User) -> Cast:
    """Nine alerts over two townships, three villages, two models and three levels, in every
    colour, some with money recovered."""
    cast = make_cast(alice)
    run_with(
        engine_hit(1, amount="1400.00"),
        engine_hit(2, level="medium", amount="300.50"),
        engine_hit(3, model="YKT02", level="low", amount="99.00"),
        engine_hit(4, region=OTHER_VILLAGE, department="财政局", amount="2000.00"),
        engine_hit(5, region=OTHER_VILLAGE, model="YKT02", level="medium", amount="120.00"),
        engine_hit(6, region=FAR_VILLAGE, amount="800.00"),
        engine_hit(7, region=FAR_VILLAGE, model="YKT02", amount="55.55"),
        engine_hit(8, region=FAR_VILLAGE, level="low", amount="10.00"),
        engine_hit(9, level="high", amount="700.00"),
        models=("YKT01", "YKT02"),
    )
    alert = {n: Alert.objects.get(hit__id_number=person(n)) for n in range(1, 10)}
    # 1: closed after confirmation and rectification; 2: rectification pending; 4: signed (yellow);
    # 6: dismissed (closed); 7: under review; the rest new.
    actions.do_sign_alert(alert=alert[1], user=cast.dora)
    actions.do_submit_result(alert=alert[1], user=cast.dora, result="confirmed", account="属实",
                             money_to_recover=Decimal("1400.00"), money_recovered=Decimal("700.00"))
    actions.do_review_alert(alert=alert[1], user=cast.tom, approve=True)
    actions.do_record_rectification(alert=alert[1], user=cast.dora, money_recovered=Decimal("1400.00"))
    actions.do_sign_alert(alert=alert[2], user=cast.tom)
    actions.do_submit_result(alert=alert[2], user=cast.tom, result="partly", account="部分属实",
                             money_to_recover=Decimal("300.50"), money_recovered=Decimal("100.25"))
    actions.do_review_alert(alert=alert[2], user=cast.alice, approve=True)
    actions.do_sign_alert(alert=alert[4], user=cast.fred)
    actions.do_sign_alert(alert=alert[6], user=cast.olga)
    actions.do_request_dismissal(alert=alert[6], user=cast.olga, reason="误报")
    actions.do_review_alert(alert=alert[6], user=cast.alice, approve=True)
    actions.do_sign_alert(alert=alert[7], user=cast.olga)
    actions.do_submit_result(alert=alert[7], user=cast.olga, result="not_confirmed", account="不属实")
    return cast


def cockpit(client: Client, query: str = "") -> dict[str, Any]:
    response = client.get(f"/console/cockpit/{query}")
    assert response.status_code == 200
    body = response.content.decode()
    raw = re.search(r'<script id="cockpit-data" type="application/json">(.*?)</script>', body, re.S)
    assert raw is not None
    data = json.loads(raw.group(1))

    def n(name: str) -> int:
        found = re.search(rf'id="kpi-{name}"[^>]*data-n="(\d+)"', body)
        assert found is not None, name
        return int(found.group(1))

    def money(name: str) -> Decimal:
        found = re.search(rf'id="kpi-{name}" data-amount="([\d.]+)"', body)
        assert found is not None, name
        return Decimal(found.group(1))

    return {
        "total": n("total"), "red": n("red"), "yellow": n("yellow"), "green": n("green"),
        "amount": money("amount"), "recovered": money("recovered"),
        "by_level": {lvl["key"]: lvl["n"] for lvl in data["by_level"]},
        "by_model": {m["code"]: m["n"] for m in data["by_model"]},
        "monthly_total": sum(m[1] for m in data["monthly"]),
        "data": data, "body": body,
    }


def the_list(client: Client, query: str) -> dict[str, Any]:
    """What the alert list shows for a query: its counts by colour, total and money."""
    body = client.get(f"/console/alerts/?{query}").content.decode()

    def value(pattern: str) -> str:
        found = re.search(pattern, body)
        assert found is not None, pattern
        return found.group(1)

    return {
        "total": int(value(r'id="total-count" data-n="(\d+)"')),
        "red": int(value(r'id="count-red" data-n="(\d+)"')),
        "yellow": int(value(r'id="count-yellow" data-n="(\d+)"')),
        "green": int(value(r'id="count-green" data-n="(\d+)"')),
        "amount": Decimal(value(r'id="total-amount" data-amount="([\d.]+)"')),
        "recovered": Decimal(value(r'id="total-recovered" data-amount="([\d.]+)"')),
        "rows": len(re.findall(r'<tr data-alert="\d+"', body)),
    }


SCOPES = [
    ("alice", "", ""),
    ("alice", f"?township={TOWNSHIP}", f"township={TOWNSHIP}"),
    ("alice", f"?township={TOWNSHIP}&village={VILLAGE}", f"township={TOWNSHIP}&village={VILLAGE}"),
    ("alice", f"?village={FAR_VILLAGE}", f"village={FAR_VILLAGE}"),
    ("tom", "", ""),
    ("tom", f"?township={TOWNSHIP}&village={OTHER_VILLAGE}", f"village={OTHER_VILLAGE}"),
    ("olga", "", ""),
    ("dora", "", ""),
    ("victor", "", ""),
]


@pytest.mark.parametrize(("persona", "scope", "list_query"), SCOPES)
def test_the_cockpit_counts_equal_what_the_list_shows_for_the_same_scope(
    persona: str, scope: str, list_query: str, cast: Cast, client: Client
) -> None:
    client.force_login(getattr(cast, persona))
    seen = cockpit(client, scope)
    shown = the_list(client, list_query)
    assert seen["total"] == shown["total"] == shown["rows"] > 0
    for key in ("red", "yellow", "green", "amount", "recovered"):
        assert seen[key] == shown[key], key
    assert seen["red"] + seen["yellow"] + seen["green"] == seen["total"] == seen["monthly_total"]
    for level, n in seen["by_level"].items():
        assert the_list(client, f"{list_query}&level={level}")["total"] == n, level
    assert sum(seen["by_model"].values()) == seen["total"]
    for model, n in seen["by_model"].items():
        assert the_list(client, f"{list_query}&model={model}")["total"] == n, model


def test_the_county_figures_are_right(cast: Cast, client: Client) -> None:
    client.force_login(cast.alice)
    seen = cockpit(client)
    assert (seen["total"], seen["red"], seen["yellow"], seen["green"]) == (9, 4, 3, 2)
    assert seen["amount"] == Decimal("5485.05") and seen["recovered"] == Decimal("1500.25")
    assert seen["by_level"] == {"high": 5, "medium": 2, "low": 2}
    assert seen["by_model"] == {"YKT01": 6, "YKT02": 3}
    assert [v["code"] for v in seen["data"]["top_villages"]] == [VILLAGE, FAR_VILLAGE, OTHER_VILLAGE]
    assert 'id="kpi-on-time">100.0%' in seen["body"]  # both closed well before their deadline


def test_on_time_rate_and_handling_time_come_from_the_closed_alerts(cast: Cast, client: Client) -> None:
    closed = list(Alert.objects.filter(status="closed").order_by("id"))
    start = dt.datetime(2025, 3, 1, 9, tzinfo=dt.UTC)
    # one closed after 4 days within its deadline, one 10 days late: on time 50 %, 7 days average.
    Alert.objects.filter(pk=closed[0].pk).update(created_at=start, closed_at=start + dt.timedelta(days=4),
                                                 result_due=start + dt.timedelta(days=5))
    Alert.objects.filter(pk=closed[1].pk).update(created_at=start, closed_at=start + dt.timedelta(days=10),
                                                 result_due=start + dt.timedelta(days=5))
    client.force_login(cast.alice)
    body = cockpit(client)["body"]
    assert 'id="kpi-on-time">50.0%' in body
    assert 'id="kpi-handling">7.0<' in body


def test_a_township_officers_cockpit_excludes_other_townships(cast: Cast, client: Client) -> None:
    client.force_login(cast.tom)
    seen = cockpit(client)
    assert seen["total"] == 6
    villages = {v["code"] for v in seen["data"]["top_villages"]}
    assert villages == {VILLAGE, OTHER_VILLAGE} and FAR_VILLAGE not in seen["body"]
    # Drill-down links offer only the officer's township, and another township's scope is 404.
    assert set(re.findall(r"\?township=(\d{12})", seen["body"])) == {TOWNSHIP}
    assert client.get(f"/console/cockpit/?township={OTHER_TOWNSHIP}").status_code == 404
    assert client.get(f"/console/cockpit/?village={FAR_VILLAGE}").status_code == 404
    assert client.get(f"/console/cockpit/?township={TOWNSHIP}&village={FAR_VILLAGE}").status_code == 404
    client.force_login(cast.olga)
    assert cockpit(client)["total"] == 3


def test_the_county_drills_down_from_county_to_township_to_village(cast: Cast, client: Client) -> None:
    client.force_login(cast.alice)
    county = cockpit(client)["body"]
    assert f'href="/console/cockpit/?township={TOWNSHIP}"' in county
    assert f'href="/console/cockpit/?township={OTHER_TOWNSHIP}"' in county
    township = cockpit(client, f"?township={TOWNSHIP}")
    assert f"?township={TOWNSHIP}&amp;village={VILLAGE}" in township["body"]
    village = cockpit(client, f"?township={TOWNSHIP}&village={VILLAGE}")
    assert village["total"] == 4 and 'id="drill"' not in village["body"]


def test_a_village_sees_only_its_own_village(cast: Cast, client: Client) -> None:
    client.force_login(cast.victor)
    seen = cockpit(client)
    assert seen["total"] == 4 and {v["code"] for v in seen["data"]["top_villages"]} == {VILLAGE}
    assert client.get(f"/console/cockpit/?village={OTHER_VILLAGE}").status_code == 404
