"""Subscription pages: subscribing from the lookup's answer (a POST carrying the lookup pass),
leaving in one tap from the link in every message, and the staff outbox. Writes go through
`portal/subscriptions.py`; no page shows a full phone number or openid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mingjing.accounts import policy
from mingjing.accounts.signals import client_ip
from mingjing.console.access import StaffRequest, permission_required
from mingjing.portal import channels, passes, subscriptions
from mingjing.portal.models import OutboundMessage, Subscription
from mingjing.portal.public import place_or_404, places, render_public

CHANNEL_LABELS = {
    Subscription.Channel.SMS.value: gettext_lazy("Text message to my phone"),
    Subscription.Channel.WECHAT.value: gettext_lazy("WeChat message"),
}


def channel_choices() -> list[tuple[str, Any]]:
    """Configured channels only; SMS alone (kept in the outbox) when none is."""
    return [(c, CHANNEL_LABELS[c]) for c in channels.configured() or [Subscription.Channel.SMS.value]]


class SubscribeForm(forms.Form):
    # `pass` is a keyword in Python: the field is added under its form name below.
    phone = forms.CharField(label=gettext_lazy("Mobile number"), max_length=20, required=False)
    openid = forms.CharField(label=gettext_lazy("WeChat openid"), max_length=64, required=False)
    channel = forms.ChoiceField(label=gettext_lazy("How to tell me"), choices=channel_choices)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["pass"] = forms.CharField(max_length=64, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            if data.get("channel") == Subscription.Channel.WECHAT:
                data["address"] = subscriptions.normalise_openid(data.get("openid", ""))
            elif data.get("channel"):
                data["address"] = subscriptions.normalise_phone(data.get("phone", ""))
        except subscriptions.Invalid as problem:
            field = "openid" if data.get("channel") == Subscription.Channel.WECHAT else "phone"
            self.add_error(field, problem.zh)
        return data


def form_context(pass_token: str, form: SubscribeForm | None = None) -> dict[str, Any]:
    """What `portal/_subscribe_form.html` shows: a page that includes it (the lookup's answer)
    passes `subscribe=subscription_views.form_context(token)`; with only `pass_token` in its
    context the include still works (SMS, the default channel). A bound form brings back what
    was typed and the errors."""
    data = form.data if form is not None else {}
    choices = channel_choices()
    return {
        "pass": pass_token,
        "phone": str(data.get("phone", ""))[:20],
        "openid": str(data.get("openid", ""))[:64],
        "channel": str(data.get("channel", "")) or choices[0][0],
        "channels": choices,
        "errors": {name: [str(e) for e in errs] for name, errs in form.errors.items()} if form is not None else {},
    }


def _private(response: HttpResponse) -> HttpResponse:
    """These pages carry a lookup pass or an unsubscribe token: no cache keeps them."""
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest, village_code: str) -> HttpResponse:
    """POST from the lookup's answer. GET (a bookmark, a reload) leads back to the village page:
    without a fresh pass there is nothing to subscribe."""
    place = place_or_404(village_code)
    if request.method != "POST":
        return redirect("portal:village", village_code)
    if not subscriptions.allow_subscribe(client_ip(request)):
        return _private(render_public(request, "portal/subscribe_refused.html", {"reason": "rate"}, place, status=429))
    form = SubscribeForm(request.POST)
    token = request.POST.get("pass", "")[:64]
    lookup_pass = passes.redeem(token)
    if lookup_pass is None or lookup_pass.village_code != place.code:
        return _private(render_public(request, "portal/subscribe_refused.html", {"reason": "pass"}, place, status=403))
    if not form.is_valid():
        ctx = {"subscribe": form_context(lookup_pass.token, form)}
        return _private(render_public(request, "portal/subscribe.html", ctx, place, status=400))
    sub, changed = subscriptions.do_subscribe(
        lookup_pass=lookup_pass, channel=form.cleaned_data["channel"], address=form.cleaned_data["address"])
    return _private(render_public(request, "portal/subscribe_done.html", {
        "masked": subscriptions.mask_address(sub.address), "channel": sub.get_channel_display(),
        "already": not changed, "unsubscribe_token": sub.unsubscribe_token,
        "outbox_only": sub.channel not in channels.configured(),
    }, place))


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what would end and one button (it changes nothing: link checkers and preview
    bots open links); POST ends it."""
    sub = subscriptions.subscription_for_token(token)
    if sub is None:
        return _private(render_public(request, "portal/unsubscribe_unknown.html", {}, status=404))
    place = places().get(sub.village_code)
    ctx = {"masked": subscriptions.mask_address(sub.address), "channel": sub.get_channel_display(),
           "token": sub.unsubscribe_token}
    if request.method == "POST":
        subscriptions.do_unsubscribe(sub.unsubscribe_token)
        return _private(render_public(request, "portal/unsubscribe_done.html", ctx, place))
    if not sub.active:
        return _private(render_public(request, "portal/unsubscribe_done.html", {**ctx, "already": True}, place))
    return _private(render_public(request, "portal/unsubscribe.html", ctx, place))


# -- staff: the outbox -----------------------------------------------------------------------------------


@require_GET
@permission_required("outbox.view")
def outbox(request: StaffRequest) -> HttpResponse:
    rows = policy.messages_for(request.user).order_by("-id")
    status = request.GET.get("status", "")
    if status in OutboundMessage.Status.values:
        rows = rows.filter(status=status)
    else:
        status = ""
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "console/portal/outbox.html", {
        "current": "portal",
        "page": page,
        "rows": [{
            "m": m, "address": subscriptions.mask_address(m.subscription.address),
            "kind": subscriptions.KIND_LABELS.get(m.kind, m.kind), "text": subscriptions.redact(m.text),
        } for m in page],
        "status": status,
        "statuses": OutboundMessage.Status.choices,
        "may_resend": policy.has(request.user, "outbox.resend"),
        "configured": [str(Subscription.Channel(c).label) for c in channels.configured()],
    })


@require_POST
@permission_required("outbox.view")
def outbox_resend(request: StaffRequest, message_id: int) -> HttpResponse:
    message = get_object_or_404(policy.messages_for(request.user), pk=message_id)
    message = subscriptions.do_resend(message=message, user=request.user)
    if message.status == OutboundMessage.Status.SENT:
        messages.success(request, _("The message was sent."))
    else:
        messages.error(request, _("The message could not be sent: %(error)s") % {"error": message.error or "—"})
    return redirect("console:portal_outbox")
