"""Signing in: lockout, password policy, the second factor, one-time passwords, session expiry and
the trail of it all. Through the HTTP client, as a browser would."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import LazySettings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from mingjing.accounts.signals import SEEN_AT, SIGNED_IN_AT
from mingjing.audit.models import AuditEntry
from tests.alerts_fixtures import make_cast

LOGIN = "/login/"
RIGHT = {"username": "alice", "password": "alice-password"}
WRONG = {"username": "alice", "password": "not-her-password"}


def signed_in(client: Client) -> bool:
    return client.get("/console/data/").status_code == 200


def code(device: TOTPDevice, *, later: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + later
    return f"{totp.token():06d}"


@pytest.fixture
def device(alice: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=alice, name="authenticator", confirmed=True)


# -- lockout --------------------------------------------------------------------------------------


def test_the_right_password_after_100_wrong_ones_is_refused_and_the_page_says_when_to_retry(
    client: Client, alice: User
) -> None:
    for _ in range(100):
        client.post(LOGIN, WRONG)
    response = client.post(LOGIN, RIGHT)
    assert response.status_code == 429
    page = response.content.decode()
    assert 'id="lockout"' in page and "再试" in page and "15" in page
    assert not signed_in(client)


def test_failures_from_one_address_lock_it_for_every_account_but_not_other_addresses(
    client: Client, alice: User
) -> None:
    for n in range(5):
        client.post(LOGIN, {"username": f"guess{n}", "password": "x"}, REMOTE_ADDR="10.0.0.1")
    assert client.post(LOGIN, RIGHT, REMOTE_ADDR="10.0.0.1").status_code == 429
    response = client.post(LOGIN, RIGHT, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 302 and signed_in(client)


def test_failures_for_one_account_lock_it_from_every_address(client: Client, alice: User) -> None:
    for n in range(5):
        client.post(LOGIN, WRONG, REMOTE_ADDR=f"10.0.1.{n}")
    assert client.post(LOGIN, RIGHT, REMOTE_ADDR="10.0.2.1").status_code == 429


def test_the_lockout_ends_after_the_cool_off_and_attempts_during_it_do_not_extend_it(
    client: Client, alice: User
) -> None:
    for _ in range(8):
        client.post(LOGIN, WRONG)
    assert client.post(LOGIN, RIGHT).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert client.post(LOGIN, RIGHT).status_code == 302 and signed_in(client)


def test_fewer_failures_than_the_limit_do_not_lock(client: Client, alice: User) -> None:
    for _ in range(4):
        client.post(LOGIN, WRONG)
    assert client.post(LOGIN, RIGHT).status_code == 302


# -- the trail ------------------------------------------------------------------------------------


def test_sign_ins_failures_the_lockout_and_sign_outs_are_in_the_trail_without_passwords(
    client: Client, alice: User
) -> None:
    client.post(LOGIN, RIGHT, REMOTE_ADDR="10.1.1.1")
    client.post("/logout/")
    for _ in range(7):
        client.post(LOGIN, WRONG, REMOTE_ADDR="10.1.1.1")

    login = AuditEntry.objects.get(action="auth.login")
    assert login.actor == alice and login.detail["ip"] == "10.1.1.1"
    assert AuditEntry.objects.get(action="auth.logout").actor == alice
    failures = AuditEntry.objects.filter(action="auth.login_failed")
    assert failures.count() == 7
    assert {(f.detail["username"], f.detail["ip"]) for f in failures} == {("alice", "10.1.1.1")}
    (lockout,) = AuditEntry.objects.filter(action="auth.locked_out")  # once, not per refused attempt
    assert lockout.detail["username"] == "alice" and lockout.detail["failures"] == 5
    everything = str(list(AuditEntry.objects.values_list("detail", flat=True)))
    assert "not-her-password" not in everything and "alice-password" not in everything


# -- hostile input --------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["a" * 10_000, "ali\x00ce"], ids=["10k-characters", "nul-byte"])
def test_a_hostile_username_gets_an_error_not_a_crash(client: Client, alice: User, username: str) -> None:
    response = client.post(LOGIN, {"username": username, "password": "alice-password"})
    assert response.status_code in (200, 400)
    assert 'class="alert alert-error"' in response.content.decode()
    assert not signed_in(client)


# -- password policy and one-time passwords -------------------------------------------------------


def change(client: Client, old: str, new: str) -> str:
    response = client.post(reverse("password_change"),
                           {"old_password": old, "new_password1": new, "new_password2": new})
    return response.content.decode() if response.status_code == 200 else response["Location"]


@pytest.mark.parametrize(("weak", "reason"), [
    ("short1!", "密码长度太短。密码必须包含至少 10 个字符。"),
    ("1234567890123", "密码只包含数字。"),
    ("password123", "这个密码太常见了。"),
    ("lanternfield1", "太相似了"),
], ids=["too-short", "numeric", "common", "like-the-email"])
def test_a_weak_password_is_refused_by_the_change_form_in_chinese(
    client: Client, alice: User, weak: str, reason: str
) -> None:
    alice.email = "lanternfield@example.org"
    alice.save(update_fields=["email"])
    client.force_login(alice)
    page = change(client, "alice-password", weak)
    assert 'class="error"' in page and reason in page
    alice.refresh_from_db()
    assert alice.check_password("alice-password")


def test_a_one_time_password_sends_every_page_to_the_change_form_until_it_is_changed(
    client: Client, alice: User
) -> None:
    alice.membership.must_change_password = True
    alice.membership.save(update_fields=["must_change_password"])
    client.force_login(alice)
    for url in ("/console/data/", "/console/alerts/", "/account/", "/console/tokens/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("password_change"))
    assert "一次性密码" in client.get(reverse("password_change")).content.decode()

    assert change(client, "alice-password", "Lantern-river-42") == reverse("password_change_done")
    alice.membership.refresh_from_db()
    assert not alice.membership.must_change_password
    assert signed_in(client)
    assert AuditEntry.objects.filter(action="auth.password_changed", actor=alice).exists()


# -- the second factor ----------------------------------------------------------------------------


def test_an_account_with_a_second_factor_must_enter_a_valid_code(
    client: Client, alice: User, device: TOTPDevice, settings: LazySettings
) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no wait between the wrong and the right code
    response = client.post(LOGIN, {**RIGHT, "next": "/console/alerts/"})
    assert response.status_code == 302
    response = client.get("/console/alerts/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login_code"))
    assert client.get("/account/password/").status_code == 302  # not even the password pages

    wrong = client.post(reverse("login_code"), {"code": "000000" if code(device) != "000000" else "111111"})
    assert wrong.status_code == 400 and not signed_in(client)
    right = client.post(reverse("login_code"), {"code": code(device), "next": "/console/alerts/"})
    assert right.status_code == 302 and right["Location"] == "/console/alerts/"
    assert signed_in(client)
    assert [e.action for e in AuditEntry.objects.filter(action__startswith="auth.totp")] == [
        "auth.totp_failed", "auth.totp_verified",
    ]


def test_a_code_cannot_be_used_twice(client: Client, alice: User, device: TOTPDevice) -> None:
    used = code(device)
    client.force_login(alice)
    assert client.post(reverse("login_code"), {"code": used}).status_code == 302
    other = Client()
    other.force_login(alice)
    assert other.post(reverse("login_code"), {"code": used}).status_code == 400


def test_setting_up_a_second_factor_shows_a_qr_code_and_needs_a_code_from_the_app(
    client: Client, alice: User
) -> None:
    client.force_login(alice)
    page = client.get(reverse("account_security")).content.decode()
    assert '<svg' in page and 'id="totp-secret"' in page and "http" not in page.split('id="totp-qr"')[1][:200]
    key = client.session["mingjing_totp_new_key"]
    pending = TOTPDevice(user=alice, key=key)

    assert client.post(reverse("totp_confirm"), {"code": "12345"}).status_code == 400
    assert not TOTPDevice.objects.exists()
    assert client.post(reverse("totp_confirm"), {"code": code(pending)}).status_code == 302
    device = TOTPDevice.objects.get(user=alice, confirmed=True)
    assert device.key == key and signed_in(client)  # the code just typed verified this session
    assert AuditEntry.objects.filter(action="auth.totp_added", actor=alice).exists()

    removed = client.post(reverse("totp_remove"), {"code": code(device, later=30)})
    assert removed.status_code == 302 and not TOTPDevice.objects.exists()
    assert AuditEntry.objects.filter(action="auth.totp_removed", actor=alice).exists()


def test_a_county_account_without_a_second_factor_is_sent_to_set_one_up_when_required(
    client: Client, alice: User, settings: LazySettings
) -> None:
    settings.REQUIRE_TOTP_FOR_COUNTY = True
    cast = make_cast(alice)
    client.force_login(alice)
    response = client.get("/console/hits/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_security"))
    assert client.get(reverse("account_security")).status_code == 200
    client.force_login(cast.dora)  # a department officer is not required to
    assert signed_in(client)


def test_a_county_account_cannot_turn_a_required_second_factor_off(
    client: Client, alice: User, device: TOTPDevice, settings: LazySettings
) -> None:
    settings.REQUIRE_TOTP_FOR_COUNTY = True
    client.force_login(alice)
    client.post(reverse("login_code"), {"code": code(device)})
    client.post(reverse("totp_remove"), {"code": code(device, later=30)})
    assert TOTPDevice.objects.filter(user=alice).exists()


# -- sessions -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "ago"), [(SEEN_AT, 31 * 60), (SIGNED_IN_AT, 9 * 3600)], ids=["idle", "too-old"])
def test_a_session_idle_too_long_or_too_old_ends(client: Client, alice: User, key: str, ago: int) -> None:
    client.force_login(alice)
    assert signed_in(client)
    session = client.session
    session[key] = int(time.time()) - ago
    session.save()
    response = client.get("/console/data/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert not signed_in(client)
    assert AuditEntry.objects.get(action="auth.logout").detail["reason"] == "expired"


def test_the_session_cookie_is_http_only_and_same_site_lax(client: Client, alice: User) -> None:
    response = client.post(LOGIN, RIGHT)
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and int(cookie["max-age"]) == 8 * 3600


def test_an_htmx_request_of_an_ended_session_reloads_the_whole_page_to_sign_in(client: Client, alice: User) -> None:
    client.force_login(alice)
    session = client.session
    session[SEEN_AT] = int(time.time()) - 31 * 60
    session.save()
    response = client.get("/console/data/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"].startswith(LOGIN)
