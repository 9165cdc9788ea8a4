"""What a signed-in account must do before it may use any page: one middleware, four steps.

1. **The session is still valid**: at most `SESSION_COOKIE_AGE` since signing in and
   `SESSION_IDLE_SECONDS` since the last request; otherwise sign out and ask to sign in again.
2. **The second factor**: an account with a confirmed TOTP device enters a code after its password.
3. **A one-time password is changed**: `Membership.must_change_password` (the staff import sets it)
   sends every page to the password change form until the password is changed.
4. **County roles have a second factor** when `MINGJING_REQUIRE_TOTP_FOR_COUNTY` is set: the
   account is sent to set one up.

The JSON API (bearer tokens, no session), static files and the sign-in and sign-out pages are
exempt from all four; each step lets through the pages needed to get past it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from mingjing.accounts import policy, signin
from mingjing.accounts.signals import SEEN_AT, SIGNED_IN_AT

EXEMPT = ("/static/", "/api/", "/login/", "/logout/")
SEEN_EVERY = 60  # seconds: note the last request at most this often (each note writes the session)


class SignInMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        path = request.path_info
        if request.user.is_authenticated and not path.startswith(EXEMPT):
            response = self.check(request, path)
            if response is not None:
                return response
        return self.get_response(request)

    def check(self, request: HttpRequest, path: str) -> HttpResponseBase | None:
        password_pages = (reverse("password_change"), reverse("password_change_done"))
        # 1. session expiry
        if expired(request):
            request.mingjing_logout_reason = "expired"  # type: ignore[attr-defined]
            logout(request)
            messages.info(request, _("Your session has ended. Please sign in again."))
            return _to("login", request)
        # 2. the second factor, before anything else (the password pages included)
        if not request.user.is_verified() and signin.confirmed_device(request.user) is not None:  # type: ignore[union-attr]
            return _to("login_code", request)
        # 3. a one-time password
        membership = getattr(request.user, "membership", None)
        if membership is not None and membership.must_change_password and path not in password_pages:
            return _to("password_change", request)
        # 4. county roles without a second factor
        if (
            settings.REQUIRE_TOTP_FOR_COUNTY
            and policy.is_county(request.user)
            and not request.user.is_verified()  # type: ignore[union-attr]
            and path not in (*password_pages, reverse("account_security"), reverse("totp_confirm"))
        ):
            return _to("account_security", request)
        return None


def expired(request: HttpRequest) -> bool:
    """Steps: 1. a session from before these checks starts its clocks now; 2. too old or idle too
    long: expired; 3. otherwise note this request (at most once a minute)."""
    now = int(time.time())
    session = request.session
    signed_in_at = session.setdefault(SIGNED_IN_AT, now)
    seen_at = session.setdefault(SEEN_AT, now)
    if now - signed_in_at > settings.SESSION_COOKIE_AGE or now - seen_at > settings.SESSION_IDLE_SECONDS:
        return True
    if now - seen_at >= SEEN_EVERY:
        session[SEEN_AT] = now
    return False


def _to(name: str, request: HttpRequest) -> HttpResponse:
    """Redirect to the named page, coming back to this one afterwards (htmx follows `HX-Redirect`
    with a full page load rather than swapping the other page into a fragment)."""
    query = QueryDict(mutable=True)
    query[REDIRECT_FIELD_NAME] = request.get_full_path()
    url = f"{reverse(name)}?{query.urlencode(safe='/')}"
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)
