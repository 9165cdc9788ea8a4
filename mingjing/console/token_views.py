"""API tokens in the console: one's own (a county administrator sees everyone's), create one (its
secret shown once, on the page the creation answers with) and revoke. Writes through
`mingjing.api.actions`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from mingjing.accounts import policy
from mingjing.api import actions
from mingjing.console.access import StaffRequest, get_token_for_user, permission_required


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Purpose"), max_length=64,
                           help_text=gettext_lazy("What the token is for, e.g. the township's reporting script."))
    days = forms.IntegerField(label=gettext_lazy("Valid for (days)"), min_value=1, max_value=3650,
                              initial=lambda: settings.API_TOKEN_DAYS)


def _page(request: StaffRequest, form: TokenForm, *, status: int = 200, **extra: Any) -> HttpResponse:
    ctx = {
        "form": form,
        "tokens": policy.tokens_for(request.user).order_by("revoked", "-created_at"),
        "all_users": policy.has(request.user, "token.manage"),
        **extra,
    }
    return render(request, "console/tokens.html", ctx, status=status)


@require_GET
@permission_required("token.own")
def tokens(request: StaffRequest) -> HttpResponse:
    return _page(request, TokenForm())


@require_POST
@permission_required("token.own")
def token_create(request: StaffRequest) -> HttpResponse:
    """Answer with the page itself (no redirect): the secret is shown this once and kept nowhere."""
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    token, secret = actions.do_create_token(
        user=request.user, name=form.cleaned_data["name"], days=form.cleaned_data["days"]
    )
    return _page(request, TokenForm(), created=token, secret=secret)


@require_POST
@permission_required("token.own")
def token_revoke(request: StaffRequest, token_id: int) -> HttpResponse:
    token = actions.do_revoke_token(token=get_token_for_user(request.user, token_id), user=request.user)
    messages.success(request, _("Token %(prefix)s… (%(name)s) is revoked.") % {"prefix": token.prefix, "name": token.name})
    return redirect("console:tokens")
