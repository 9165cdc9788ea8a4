"""The county's audit trail page through HTTP: who may see it, filters, pages, verify now, and
hostile input.

Personas (tests/alerts_fixtures.py): alice county commission (administrator), tom township,
dora 民政局, victor village; bob is staff without an organisation.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from mingjing.audit.actions import do_checkpoint, record
from mingjing.audit.models import AuditEntry
from tests.alerts_fixtures import Cast, make_cast


@pytest.fixture
def cast(alice: User) -> Cast:
    return make_cast(alice)


@pytest.fixture
def trail(cast: Cast) -> list[AuditEntry]:
    """Alice signs for an alert, tom submits a result, dora uploads a batch, the system sweeps."""
    return [
        record("alert.sign", actor=cast.alice, object_type="alerts.alert", object_id=7, detail={"note": "已签收"}),
        record("alert.submit_result", actor=cast.tom, object_type="alerts.alert", object_id=7, detail={"x": 1}),
        record("batch.uploaded", actor=cast.dora, object_type="datahub.batch", object_id=3, detail={"rows": 12}),
        record("talk.created", object_type="alerts.talk", object_id=1, detail={"high": 2}),
    ]


def as_user(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def listed(response: Any) -> list[int]:
    return [int(n) for n in re.findall(r'<tr data-entry="(\d+)"', response.content.decode())]


def newest_first() -> list[int]:
    """Every entry's id, newest first (signing in is recorded too)."""
    return list(AuditEntry.objects.order_by("-id").values_list("id", flat=True))


@pytest.mark.parametrize("persona", ["tom", "dora", "victor"])
def test_the_audit_page_is_refused_outside_the_county(persona: str, cast: Cast, client: Client) -> None:
    as_user(client, getattr(cast, persona))
    assert client.get("/console/audit/").status_code == 403
    assert client.post("/console/audit/verify/").status_code == 403
    assert not AuditEntry.objects.filter(action="audit.verified").exists()
    assert "/console/audit/" not in client.get("/console/alerts/").content.decode()


def test_the_audit_page_is_refused_to_staff_without_a_role_and_to_visitors(cast: Cast, bob: User) -> None:
    assert Client().get("/console/audit/").status_code == 302  # to the login page
    assert as_user(Client(), bob).get("/console/audit/").status_code == 403


def test_the_county_sees_the_trail_newest_first_and_a_link_to_it(
    cast: Cast, trail: list[AuditEntry], client: Client
) -> None:
    response = as_user(client, cast.alice).get("/console/audit/")
    assert response.status_code == 200
    assert listed(response) == newest_first()
    assert [pk for pk in listed(response) if pk <= trail[-1].pk] == [e.pk for e in reversed(trail)]
    page = response.content.decode()
    assert 'href="/console/audit/" aria-current="page"' in page
    assert "{&quot;note&quot;:&quot;已签收&quot;}" in page  # the detail as compact JSON, escaped


def test_the_trail_is_paged_fifty_entries_at_a_time(cast: Cast, client: Client) -> None:
    as_user(client, cast.alice)
    made = [record("test.step", actor=cast.alice, detail={"n": i}).pk for i in range(120)]
    assert listed(client.get("/console/audit/")) == newest_first()[:50]
    assert listed(client.get("/console/audit/?action=test.&page=3")) == made[::-1][100:]
    assert 'page=2" rel="next"' in client.get("/console/audit/?action=test.").content.decode()


def test_the_filters_find_entries_by_action_prefix_user_object_and_date(
    cast: Cast, trail: list[AuditEntry], client: Client
) -> None:
    sign, result, upload, _talk = (e.pk for e in trail)
    AuditEntry.objects.filter(pk=upload).update(at=timezone.make_aware(dt.datetime(2026, 3, 15, 23, 30)))
    as_user(client, cast.alice)
    assert listed(client.get("/console/audit/?action=alert.")) == [result, sign]
    assert listed(client.get("/console/audit/?action=alert.sign")) == [sign]
    assert listed(client.get("/console/audit/?actor=tom")) == [result]
    assert listed(client.get("/console/audit/?object_type=alerts.alert&object_id=7")) == [result, sign]
    assert listed(client.get("/console/audit/?since=2026-03-15&until=2026-03-15")) == [upload]  # local dates
    assert listed(client.get("/console/audit/?until=2026-03-14")) == []
    assert listed(client.get("/console/audit/?since=2026-03-16&action=batch.")) == []


def test_viewing_the_trail_is_not_recorded(cast: Cast, trail: list[AuditEntry], client: Client) -> None:
    as_user(client, cast.alice)
    before = AuditEntry.objects.count()
    client.get("/console/audit/")
    client.get("/console/audit/?action=alert.&page=2")
    assert AuditEntry.objects.count() == before


def test_verify_now_shows_the_verdict_and_the_latest_checkpoint_and_is_recorded(
    cast: Cast, trail: list[AuditEntry], client: Client
) -> None:
    as_user(client, cast.alice)
    assert "尚无检查点" in client.get("/console/audit/").content.decode()
    do_checkpoint()
    page = client.post("/console/audit/verify/").content.decode()
    assert 'data-ok="true"' in page and "审计记录完整" in page and "最新检查点" in page
    verified = AuditEntry.objects.order_by("-id").first()
    assert verified is not None and verified.action == "audit.verified" and verified.actor == cast.alice
    assert verified.detail["ok"] is True and verified.detail["checked"] == AuditEntry.objects.count() - 1
    fragment = client.post("/console/audit/verify/", headers={"HX-Request": "true"}).content.decode()
    assert 'data-ok="true"' in fragment and "<html" not in fragment


def test_verify_now_shows_a_cut_tail(cast: Cast, trail: list[AuditEntry], client: Client) -> None:
    do_checkpoint()
    AuditEntry.objects.filter(pk=trail[-1].pk)._raw_delete(AuditEntry.objects.db)
    page = as_user(client, cast.alice).post("/console/audit/verify/").content.decode()
    assert 'data-ok="false"' in page and f"第 {trail[-2].pk} 条之后缺少 1 条" in page
    verified = AuditEntry.objects.order_by("-id").first()
    assert verified is not None and verified.detail == {
        "ok": False, "checked": AuditEntry.objects.count() - 1, "first_bad": None, "missing": 1,
        "checkpoint": trail[-1].pk}


def test_a_mistyped_date_is_explained_in_chinese_and_kept(cast: Cast, trail: list[AuditEntry], client: Client) -> None:
    response = as_user(client, cast.alice).get("/console/audit/?since=2026-13-45&actor=tom")
    page = response.content.decode()
    assert response.status_code == 400 and listed(response) == []
    assert 'value="2026-13-45"' in page and 'value="tom"' in page
    assert "请按 YYYY-MM-DD 输入日期" in page


@pytest.mark.parametrize(("query", "status"), [
    ({"page": "99999999999999999999"}, 200),
    ({"page": "-1"}, 200),
    ({"page": "1e9"}, 200),
    ({"page": "x" * 10_000}, 200),
    ({"action": "a" * 10_000}, 400),
    ({"actor": "x" * 151}, 400),
    ({"object_id": "7\x00"}, 400),
    ({"since": "0001-01-01"}, 400),
    ({"until": "9999-12-31"}, 400),
    ({"since": "99999-01-01"}, 400),
    ({"since": "2026-02-01", "until": "2026-01-31"}, 400),
    ({"object_id": "' OR 1=1 --"}, 200),
    ({"actor": "<script>alert(1)</script>"}, 200),
])
def test_hostile_filters_are_answered_without_a_server_error(
    query: dict[str, str], status: int, cast: Cast, trail: list[AuditEntry], client: Client
) -> None:
    response = as_user(client, cast.alice).get("/console/audit/", query)
    assert response.status_code == status
    assert "<script>alert(1)</script>" not in response.content.decode()
