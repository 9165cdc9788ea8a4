"""The trail of signing in and out: one audit entry per sign-in, failed sign-in, lockout and
sign-out, from Django's and django-axes' signals (connected in `AccountsConfig.ready`).

A failed sign-in records the account name tried and the client address, never the password
(Django hands receivers the credentials with the password already masked; we keep the name only).
"""

from __future__ import annotations

import time
from typing import Any

from axes.helpers import get_client_ip_address
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from mingjing.audit.actions import record

SIGNED_IN_AT = "mingjing_signed_in_at"  # session keys (epoch seconds), read by the middleware
SEEN_AT = "mingjing_seen_at"


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as the lockout sees it (`MINGJING_PROXY_COUNT` decides which header)."""
    return get_client_ip_address(request) if request is not None else None


def _name(username: Any) -> str:
    """An account name tried at the sign-in form, as stored: text, no NUL, at most 150 characters."""
    return str(username or "").replace("\x00", "")[:150]


def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT] = now
        request.session[SEEN_AT] = now
    record("auth.login", actor=user, detail={"ip": client_ip(request)})


def on_login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    record("auth.login_failed", detail={"username": _name(credentials.get("username")), "ip": client_ip(request)})


def on_locked_out(sender: Any, request: HttpRequest, username: Any, ip_address: str | None, **kwargs: Any) -> None:
    """django-axes sends this when a failure reaches the limit, and again for every attempt refused
    while the lockout lasts. Only the first is a lockout: a refused attempt never gets as far as
    counting failures, so `axes_failures_since_start` is still unset (it is its own
    `auth.login_failed` entry)."""
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None:
        return
    record("auth.locked_out", detail={
        "username": _name(username), "ip": ip_address, "failures": failures, "minutes": settings.LOCKOUT_MINUTES,
    })


def on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None:  # signing out without being signed in
        return
    reason = getattr(request, "mingjing_logout_reason", "user")
    record("auth.logout", actor=user, detail={"ip": client_ip(request), "reason": reason})


def connect() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="mingjing.accounts.logged_in")
    user_login_failed.connect(on_login_failed, dispatch_uid="mingjing.accounts.login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="mingjing.accounts.locked_out")
    user_logged_out.connect(on_logged_out, dispatch_uid="mingjing.accounts.logged_out")
