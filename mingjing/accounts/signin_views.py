"""Pages of signing in beyond the password: the lockout page, the code step, the account security
page (second factor, password) and the password change. Thin: writes go through `signin`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.helpers import get_client_ip_address, get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.db.models import Max, Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from mingjing.accounts import policy, signin
from mingjing.accounts.signin_forms import CodeForm

NEW_KEY = "mingjing_totp_new_key"  # the secret being set up, in the session until confirmed


def _next(request: HttpRequest, default: str) -> str:
    """Where to go afterwards: the `next` parameter if it stays on this site."""
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def lockout(request: HttpRequest, original_response: Any = None, credentials: dict[str, Any] | None = None) -> HttpResponse:
    """django-axes' lockout response (`AXES_LOCKOUT_CALLABLE`): when to try again, in words.

    The lockout ends a cool-off period after the last failure counted against the account name
    or the address (failures refused during the lockout are not counted)."""
    username = get_client_username(request, credentials) or ""
    ip = get_client_ip_address(request)
    last = AccessAttempt.objects.filter(Q(username=username) | Q(ip_address=ip)).aggregate(at=Max("attempt_time"))["at"]
    cool_off = get_cool_off(request) or dt.timedelta(minutes=settings.LOCKOUT_MINUTES)
    retry_at = (last or timezone.now()) + cool_off
    minutes = max(1, -(-int((retry_at - timezone.now()).total_seconds()) // 60))
    ctx = {"retry_at": retry_at, "minutes": minutes, "failures": settings.LOGIN_FAILURES}
    return render(request, "registration/lockout.html", ctx, status=429)


@login_required
def login_code(request: HttpRequest) -> HttpResponseBase:
    """The second step of signing in, for accounts with a second factor."""
    target = _next(request, reverse(settings.LOGIN_REDIRECT_URL))
    if request.user.is_verified() or signin.confirmed_device(request.user) is None:  # type: ignore[union-attr]
        return redirect(target)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if signin.do_verify_sign_in(request=request, code=form.cleaned_data["code"]):
            return redirect(target)
        form.add_error("code", _("The code is wrong or has been used already. Wait for the next code and try again."))
    status = 400 if form.errors else 200
    return render(request, "registration/login_code.html", {"form": form, "next": target}, status=status)


@login_required
def account_security(request: HttpRequest) -> HttpResponse:
    """The password, the second factor (set up, or remove) and a link to the API tokens."""
    return _security_page(request, CodeForm())


def _security_page(request: HttpRequest, form: CodeForm, status: int = 200) -> HttpResponse:
    device = signin.confirmed_device(request.user)
    ctx: dict[str, Any] = {
        "device": device,
        "form": form,
        "required": settings.REQUIRE_TOTP_FOR_COUNTY and policy.is_county(request.user),
        "next": _next(request, ""),
        "tokens": policy.has(request.user, "token.own"),
    }
    if device is None:
        key = request.session.get(NEW_KEY) or signin.new_key()
        request.session[NEW_KEY] = key
        ctx |= {"qr": signin.qr_svg(request.user, key), "secret": signin.secret_text(key)}  # type: ignore[arg-type]
    return render(request, "registration/account_security.html", ctx, status=status)


@require_POST
@login_required
def totp_confirm(request: HttpRequest) -> HttpResponseBase:
    form = CodeForm(request.POST)
    key = request.session.get(NEW_KEY)
    if key is None:  # the page was not opened first (or the secret was confirmed already)
        return redirect("account_security")
    if not form.is_valid():
        return _security_page(request, form, status=400)
    device = signin.do_add_totp_device(user=request.user, key=key, code=form.cleaned_data["code"])  # type: ignore[arg-type]
    if device is None:
        form.add_error("code", _("The code does not match. Check the time on your phone and type the code the app shows now."))
        return _security_page(request, form, status=400)
    del request.session[NEW_KEY]
    otp_login(request, device)  # the code just typed proves it: no second prompt in this session
    messages.success(request, _("Two-step sign-in is on. From now on you will enter a code from the app after your password."))
    return redirect(_next(request, reverse("account_security")))


@require_POST
@login_required
def totp_remove(request: HttpRequest) -> HttpResponseBase:
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _security_page(request, form, status=400)
    try:
        removed = signin.do_remove_totp_device(user=request.user, code=form.cleaned_data["code"])  # type: ignore[arg-type]
    except policy.Refused as refused:
        messages.error(request, refused.zh)
        return redirect("account_security")
    if not removed:
        form.add_error("code", _("The code is wrong or has been used already. Wait for the next code and try again."))
        return _security_page(request, form, status=400)
    messages.success(request, _("Two-step sign-in is off."))
    return redirect("account_security")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's page, writing through `signin.do_change_password` (which lifts a one-time
    password's obligation and records the change)."""

    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        user = signin.do_change_password(form=form)
        update_session_auth_hash(self.request, user)  # stay signed in with the new password
        return redirect(self.get_success_url())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        membership = getattr(self.request.user, "membership", None)
        return super().get_context_data(
            must_change=membership is not None and membership.must_change_password, **kwargs
        )
