"""API tokens: they expire, their owner and county administrators revoke them, and the API refuses
them afterwards. Through the console, the command line and the API itself."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import LazySettings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from mingjing.accounts import policy
from mingjing.api.actions import do_create_token, do_revoke_token
from mingjing.api.models import ApiToken
from mingjing.audit.models import AuditEntry
from tests.alerts_fixtures import Cast, make_cast


@pytest.fixture
def cast(alice: User) -> Cast:
    return make_cast(alice)  # alice: county administrator, dora and fred: department officers


@pytest.fixture
def nobody(db: None) -> User:
    """A staff account with no organisation, hence no role."""
    return User.objects.create_user("nobody", password="nobody-password", is_staff=True)


def days_left(token: ApiToken) -> timedelta:
    assert token.expires_at is not None
    return token.expires_at - timezone.now()


def api_status(client: Client, secret: str) -> int:
    return client.get("/api/v1/alerts", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code


def test_a_new_token_works_until_it_expires(cast: Cast, client: Client, settings: LazySettings) -> None:
    settings.API_TOKEN_DAYS = 7
    token, secret = do_create_token(user=cast.dora, name="script")
    assert timedelta(days=6, hours=23) < days_left(token) <= timedelta(days=7)
    assert api_status(client, secret) == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_status(client, secret) == 401


def test_a_revoked_token_gets_401(cast: Cast, client: Client) -> None:
    token, secret = do_create_token(user=cast.dora, name="script")
    do_revoke_token(token=token, user=cast.dora)
    assert api_status(client, secret) == 401


def test_a_token_of_an_account_without_a_role_or_deactivated_gets_401(
    cast: Cast, nobody: User, client: Client
) -> None:
    _, roleless = do_create_token(user=nobody, name="no role")
    assert api_status(client, roleless) == 401
    _, doras = do_create_token(user=cast.dora, name="script")
    User.objects.filter(pk=cast.dora.pk).update(is_active=False)
    assert api_status(client, doras) == 401


def test_the_owner_creates_a_token_in_the_console_sees_its_secret_once_and_revokes_it(
    cast: Cast, client: Client
) -> None:
    client.force_login(cast.dora)
    page = client.post("/console/tokens/new/", {"name": "报送脚本", "days": "30"}).content.decode()
    secret = re.search(r'id="token-secret"[^>]*>(mj_[^<]+)<', page).group(1)  # type: ignore[union-attr]
    assert api_status(client, secret) == 200
    listing = client.get("/console/tokens/").content.decode()
    assert "报送脚本" in listing and secret not in listing

    token = ApiToken.objects.get(name="报送脚本")
    assert days_left(token).days == 29
    response = client.post(f"/console/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked and token.revoked_at is not None
    assert api_status(client, secret) == 401
    entry = AuditEntry.objects.get(action="api.token_revoked")
    assert entry.actor == cast.dora and entry.detail["prefix"] == token.prefix


def test_another_non_administrator_can_neither_see_nor_revoke_it(cast: Cast, client: Client) -> None:
    token, secret = do_create_token(user=cast.dora, name="dora's")
    client.force_login(cast.fred)
    assert "dora&#x27;s" not in client.get("/console/tokens/").content.decode()
    assert client.post(f"/console/tokens/{token.pk}/revoke/").status_code == 404
    with pytest.raises(policy.Refused):
        do_revoke_token(token=token, user=cast.fred)
    token.refresh_from_db()
    assert not token.revoked and api_status(client, secret) == 200


def test_a_county_administrator_sees_and_revokes_every_token(cast: Cast, client: Client) -> None:
    token, secret = do_create_token(user=cast.dora, name="dora's script")
    client.force_login(cast.alice)
    assert "dora&#x27;s script" in client.get("/console/tokens/").content.decode()
    assert client.post(f"/console/tokens/{token.pk}/revoke/").status_code == 302
    assert api_status(client, secret) == 401


def test_the_tokens_page_needs_a_role(nobody: User, client: Client) -> None:
    client.force_login(nobody)
    assert client.get("/console/tokens/").status_code == 403


# -- the command line -----------------------------------------------------------------------------


def test_the_command_line_creates_lists_and_revokes_tokens(
    cast: Cast, client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("api", "token", "create", "dora", "--name", "robot", "--days", "3")
    secret = capsys.readouterr().out.strip()
    token = ApiToken.objects.get(name="robot")
    assert token.prefix == secret[3:11] and days_left(token).days == 2

    call_command("api", "token", "list", "dora")
    listing = capsys.readouterr().out
    assert token.prefix in listing and "robot" in listing and "active" in listing and secret not in listing

    call_command("api", "token", "revoke", token.prefix)
    assert "revoked" in capsys.readouterr().out
    assert api_status(client, secret) == 401
    call_command("api", "token", "list")
    assert "revoked 已撤销" in capsys.readouterr().out
    assert AuditEntry.objects.get(action="api.token_revoked").actor is None  # the operator


@pytest.mark.parametrize("args", [["create", "charlie"], ["create", "nobody"], ["create", "dora", "--days", "0"],
                                  ["revoke", "zzzzzzzz"]], ids=["unknown-user", "no-role", "zero-days", "unknown-prefix"])
def test_the_command_line_refuses_what_cannot_work(cast: Cast, nobody: User, args: list[str]) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("api", "token", *args)
    assert refused.value.returncode == 2
