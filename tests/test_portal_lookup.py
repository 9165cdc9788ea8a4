"""Self-lookup (本人查询): the right factor works, an unknown ID and a wrong factor give byte-identical
answers, lockout per ID, rate limit per client, a masked audit trail, hostile input."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.conf import LazySettings
from django.core.cache import cache
from django.test import Client
from django.test.client import Client as BaseClient

from mingjing.audit.models import AuditEntry
from mingjing.portal.models import HouseholdCode, LookupGuard, LookupPass
from tests.test_portal_subsidies import PEOPLE, VILLAGE, A, C, D, lake, person, scan_for_leaks

__all__ = ["lake"]  # the fixture, imported for these tests

URL = f"/v/{VILLAGE}/lookup/"
UNKNOWN = person(77, "1955-06-06")  # a valid number nobody was paid under


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def post(client: BaseClient, id_number: str, name: str, last4: str, ip: str = "10.0.0.1", **extra: str):  # type: ignore[no-untyped-def]
    return client.post(URL, {"id_number": id_number, "name": name, "account_last4": last4, **extra}, REMOTE_ADDR=ip)


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def test_the_form_posts_with_csrf_and_is_not_stored(lake: None) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get(URL)
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    html = page.content.decode()
    assert 'method="post"' in html and "csrfmiddlewaretoken" in html
    assert post(client, A[0], A[1], A[2][-4:]).status_code == 403  # no token


def test_right_factor_shows_payments_masked(lake: None, client: Client) -> None:
    answer = post(client, C[0], C[1], C[2][-4:])
    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    html = answer.content.decode()
    assert "农村最低生活保障金" in html and "民政局" in html
    assert "2024年4月" in html  # the stopped note: no payment seen since April
    assert C[0][:6] + "********" + C[0][-4:] in html
    scan_for_leaks(html)
    pass_token = LookupPass.objects.get().token
    assert f'name="pass" value="{pass_token}"' in html
    assert f"/v/{VILLAGE}/subscribe/" in html


def test_may_be_eligible_says_whom_to_ask(lake: None, client: Client) -> None:
    html = post(client, D[0], D[1], D[2][-4:]).content.decode()
    assert "高龄津贴" in html and "民政局" in html
    assert "notice" in html


def test_unknown_id_and_wrong_factor_are_indistinguishable(lake: None, client: Client) -> None:
    wrong_account = post(client, A[0], A[1], "0000")
    wrong_name = post(client, A[0], "张三", A[2][-4:])
    unknown = post(client, UNKNOWN, A[1], "0000")
    assert wrong_account.status_code == wrong_name.status_code == unknown.status_code
    bodies = {without_csrf(r.content.decode()) for r in (wrong_account, unknown)}
    assert len(bodies) == 1
    body = bodies.pop()
    assert A[0] not in body and UNKNOWN not in body and A[0][-4:] not in body
    assert dict(wrong_account.headers).keys() == dict(unknown.headers).keys()


def test_lockout_after_failures_refuses_even_the_right_factor(lake: None, client: Client,
                                                              settings: LazySettings) -> None:
    settings.PORTAL_LOOKUP_FAILURES = 3
    settings.PORTAL_LOOKUPS_PER_MINUTE = 100
    for _ in range(3):
        assert "未能查到" in post(client, A[0], A[1], "0000").content.decode()
    locked = post(client, A[0], A[1], A[2][-4:]).content.decode()
    assert "锁定" in locked and "张**" not in locked and not LookupPass.objects.exists()
    # an unknown number locks the same way (a lock says nothing about whether it exists)
    for _ in range(3):
        post(client, UNKNOWN, A[1], "0000")
    assert "锁定" in post(client, UNKNOWN, A[1], "0000").content.decode()
    # another person is not affected, and a success clears the count
    assert "农村最低生活保障金" in post(client, C[0], C[1], C[2][-4:]).content.decode()
    assert LookupGuard.objects.count() == 2
    assert all(len(g.key) == 40 and A[0] not in g.key for g in LookupGuard.objects.all())


def test_rate_limit_per_client(lake: None, client: Client, settings: LazySettings) -> None:
    settings.PORTAL_LOOKUPS_PER_MINUTE = 2
    assert post(client, A[0], A[1], A[2][-4:], ip="10.0.0.7").status_code == 200
    assert post(client, C[0], C[1], "0000", ip="10.0.0.7").status_code == 200
    refused = post(client, A[0], A[1], A[2][-4:], ip="10.0.0.7")
    assert refused.status_code == 429 and "频繁" in refused.content.decode()
    assert post(client, A[0], A[1], A[2][-4:], ip="10.0.0.8").status_code == 200
    for entry in AuditEntry.objects.all():
        assert "10.0.0.7" not in str(entry.detail)


def test_every_lookup_is_audited_masked(lake: None, client: Client, settings: LazySettings) -> None:
    settings.PORTAL_LOOKUP_FAILURES = 2
    post(client, A[0], A[1], A[2][-4:])
    post(client, C[0], C[1], "0000")
    post(client, C[0], C[1], "0000")
    post(client, C[0], C[1], C[2][-4:])
    entries = list(AuditEntry.objects.filter(action="portal.lookup").order_by("id"))
    assert [e.detail["outcome"] for e in entries] == ["success", "failed", "failed", "locked"]
    assert all(e.detail["village"] == VILLAGE and e.actor is None for e in entries)
    assert entries[0].detail["id_number"] == A[0][:6] + "********" + A[0][-4:]
    text = " ".join(str(e.detail) + e.object_id for e in entries)
    for number, _, account in PEOPLE:
        assert number not in text and account not in text


@pytest.mark.parametrize(("id_number", "name", "last4"), [
    ("1" * 5000, "张三丰", "1234"),
    ("110101' OR '1'='1", "张三丰", "1234"),
    ("11010119400505011X", "张三丰", "1234"),  # a wrong check character
    (A[0], "'; DROP TABLE portal_lookupguard; --", "1234"),
    (A[0], "张" * 500, "1234"),
    (A[0], "张三丰", "12a4"),
    (A[0], "张三丰", "１２３４５"),
    (A[0], "张三丰<script>alert(1)</script>", "1234"),
    ("", "", ""),
])
def test_hostile_input_is_a_form_error(lake: None, client: Client, id_number: str, name: str, last4: str) -> None:
    answer = post(client, id_number, name, last4)
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "<script>alert" not in html
    if len(id_number) > 10:
        assert id_number[:18] not in html
    assert not AuditEntry.objects.filter(action="portal.lookup").exists()
    assert not LookupGuard.objects.exists()


def test_household_code_notes_the_household_only(lake: None, client: Client) -> None:
    HouseholdCode.objects.create(token="abcDEF123", village_code=VILLAGE, household_id="H001")
    html = client.get(URL + "?h=abcDEF123").content.decode()
    assert "本户查询" in html and "H001" not in html
    assert "本户查询" not in client.get(URL + "?h=nope").content.decode()
    answer = post(client, A[0], A[1], A[2][-4:], h="abcDEF123")
    assert answer.status_code == 200
