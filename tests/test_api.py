"""The JSON API: bearer tokens, jurisdiction, actions, and the OpenAPI document."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from mingjing.alerts.models import Alert
from mingjing.api.actions import do_create_token
from mingjing.api.models import ApiToken
from mingjing.audit.models import AuditEntry
from tests.alerts_fixtures import OTHER_TOWNSHIP, Cast, engine_hit, make_cast, person, run_with


@pytest.fixture
def cast(alice: User) -> Cast:
    cast = make_cast(alice)
    run_with(engine_hit(1), engine_hit(2, region=OTHER_TOWNSHIP[:9] + "201", amount="99.00"))
    return cast


def bearer(user: User) -> dict[str, str]:
    _, secret = do_create_token(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_without_a_valid_token_the_api_answers_401(cast: Cast, client: Client) -> None:
    assert client.get("/api/v1/alerts").status_code == 401
    assert client.get("/api/v1/alerts", HTTP_AUTHORIZATION="Bearer mj_wrong").status_code == 401


def test_the_list_shows_only_the_users_jurisdiction_with_masked_id_numbers(cast: Cast, client: Client) -> None:
    body = client.get("/api/v1/alerts?sort=-amount", **bearer(cast.tom)).json()
    assert body["count"] == 1
    (row,) = body["results"]
    assert row["id_number_masked"] == person(1)[:6] + "********" + person(1)[-4:]
    assert person(1) not in str(body) and row["amount"] == "1400.00"
    everything = client.get("/api/v1/alerts?sort=amount", **bearer(cast.alice)).json()
    assert [r["amount"] for r in everything["results"]] == ["99.00", "1400.00"]


def test_the_detail_of_an_alert_outside_the_jurisdiction_is_404(cast: Cast, client: Client) -> None:
    other = Alert.objects.get(hit__id_number=person(2))
    assert client.get(f"/api/v1/alerts/{other.pk}", **bearer(cast.tom)).status_code == 404


def test_reading_a_detail_shows_the_full_id_and_is_audited(cast: Cast, client: Client) -> None:
    alert = Alert.objects.get(hit__id_number=person(1))
    body = client.get(f"/api/v1/alerts/{alert.pk}", **bearer(cast.dora)).json()
    assert body["id_number"] == person(1) and body["allowed_actions"] == ["sign"]
    assert AuditEntry.objects.filter(action="alert.view_personal_data", actor=cast.dora).count() == 1


def test_an_alert_goes_from_new_to_closed_through_the_api(cast: Cast, client: Client) -> None:
    alert = Alert.objects.get(hit__id_number=person(1))
    dora, tom = bearer(cast.dora), bearer(cast.tom)
    url = f"/api/v1/alerts/{alert.pk}"
    assert client.post(f"{url}/sign", **dora).json()["status"] == "verifying"
    result = {"result": "not_confirmed", "account": "经核查，死亡登记有误。"}
    assert client.post(f"{url}/result", result, content_type="application/json", **dora).json()["status"] == "under_review"
    refused = client.post(f"{url}/review", {"approve": True}, content_type="application/json", **dora)
    assert refused.status_code == 403 and refused.json()["en"]
    closed = client.post(f"{url}/review", {"approve": True}, content_type="application/json", **tom).json()
    assert (closed["status"], closed["colour"]) == ("closed", "green")
    assert [e["kind"] for e in closed["events"]] == ["created", "signed", "result_submitted", "approved"]


def test_the_openapi_document_describes_the_alert_endpoints(cast: Cast, client: Client) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert {"/api/v1/alerts", "/api/v1/alerts/{alert_id}", "/api/v1/alerts/{alert_id}/sign"} <= set(doc["paths"])
    assert doc["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_a_token_is_created_from_the_command_line_and_only_its_hash_is_kept(
    cast: Cast, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("api", "token", "create", "tom", "--name", "robot")
    secret = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(name="robot")
    assert secret.startswith("mj_") and secret not in token.key_hash and token.prefix == secret[3:11]
