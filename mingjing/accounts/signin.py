"""Writes of signing in, each recorded in the trail: one's own password change, and the second
factor: time-based one-time codes (TOTP, RFC 6238) from an authenticator app, kept by django-otp
(add, remove, verify at sign-in).

Setting up never stores an unconfirmed secret: the setup page keeps the new secret in the session
and the device is created only once the user has typed a code from it.
"""

from __future__ import annotations

from base64 import b32encode
from binascii import unhexlify

import django_otp
import segno
from django.conf import settings
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import transaction
from django.http import HttpRequest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from mingjing.accounts import policy
from mingjing.accounts.models import Membership
from mingjing.audit.actions import record

DEVICE_NAME = "authenticator"


def confirmed_device(user: User | AbstractBaseUser | AnonymousUser) -> TOTPDevice | None:
    if not user.is_authenticated:
        return None
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()


def new_key() -> str:
    """A fresh secret, hex-encoded as django-otp stores it (20 bytes, as authenticator apps expect)."""
    return random_hex(20)


def secret_text(key: str) -> str:
    """The secret as people type it into an app: base32, in groups of four."""
    text = b32encode(unhexlify(key)).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(user: User, key: str) -> str:
    """The `otpauth://` link as an inline SVG QR code (no image is fetched from anywhere)."""
    url = TOTPDevice(user=user, key=key, name=DEVICE_NAME).config_url
    return segno.make(url, error="m").svg_inline(scale=4, border=2)


def _code(code: str) -> int | None:
    code = code.strip().replace(" ", "")
    return int(code) if code.isdigit() and len(code) == 6 else None


def do_add_totp_device(*, user: User, key: str, code: str) -> TOTPDevice | None:
    """Confirm the secret with a code the app shows and keep it; None if the code is wrong.
    Steps: 1. check the code against the secret (one step of clock drift either way); 2. replace
    any device the user had; 3. remember the code's time step, so it cannot be used again."""
    totp = TOTP(unhexlify(key))
    token = _code(code)
    if token is None or not totp.verify(token, tolerance=1):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user_id=user.pk).delete()
        device = TOTPDevice.objects.create(
            user=user, name=DEVICE_NAME, key=key, confirmed=True, last_t=totp.t(), drift=totp.drift
        )
        record("auth.totp_added", actor=user, obj=device)
    return device


def do_remove_totp_device(*, user: User, code: str) -> bool:
    """Remove the user's second factor, on a valid current code (so a session left open is not
    enough to take it off). County roles may not when the instance requires it of them."""
    if settings.REQUIRE_TOTP_FOR_COUNTY and policy.is_county(user):
        raise policy.Refused("本系统要求县级账号使用动态验证码,不能关闭", "county accounts must keep their second factor")
    device = confirmed_device(user)
    token = _code(code)
    if device is None or token is None or not device.verify_token(token):
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user_id=user.pk).delete()
        record("auth.totp_removed", actor=user)
    return True


def do_verify_sign_in(*, request: HttpRequest, code: str) -> bool:
    """The code step of signing in: on a valid code mark the session verified. django-otp refuses
    reused codes and slows down guessing (each failure doubles the wait before the next try)."""
    user = request.user
    device = confirmed_device(user)
    token = _code(code)
    ok = device is not None and token is not None and device.verify_token(token)
    if ok:
        django_otp.login(request, device)
    record("auth.totp_verified" if ok else "auth.totp_failed", actor=user)  # type: ignore[arg-type]
    return bool(ok)


def do_change_password(*, form: PasswordChangeForm) -> User:
    """Save the user's new password (the form has checked the old one and the password policy) and
    lift the obligation to change a one-time password."""
    with transaction.atomic():
        user = form.save()
        Membership.objects.filter(user=user, must_change_password=True).update(must_change_password=False)
        record("auth.password_changed", actor=user)
    return user
