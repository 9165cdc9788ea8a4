"""Small display helpers for the console pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from engine.explain import mask_account, mask_id

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context: template.Context, permission: str, obj: object = None) -> bool:
    """`{% can "batch.retract" batch as may_retract %}`: ask the policy, as the view does."""
    from mingjing.accounts import policy

    request = context.get("request")
    return policy.can(getattr(request, "user", None), permission, obj)


@register.filter
def num(value: object) -> str:
    """An integer with thousands separators (row counts run to the millions)."""
    if value is None or value == "":
        return "—"
    try:
        return f"{int(value):,}"  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return str(value)


@register.filter
def who(user: object) -> str:
    """A user as people recognise them: full name with the login name, or a dash for nobody."""
    if user is None:
        return "—"
    username = getattr(user, "get_username", lambda: "")()
    full = getattr(user, "get_full_name", lambda: "")().strip()
    return f"{full} ({username})" if full and full != username else username or "—"


@register.filter
def yuan(value: object) -> str:
    """An amount in yuan: two decimals and thousands separators, from the Decimal (never a float)."""
    if value is None or value == "":
        return "—"
    try:
        return f"{Decimal(str(value)).quantize(Decimal('0.01')):,}"
    except (InvalidOperation, ValueError):
        return str(value)


@register.filter
def month(value: object) -> str:
    """A period (the first day of a month) as YYYY-MM."""
    if isinstance(value, dt.date):
        return f"{value.year}-{value.month:02d}"
    return "—" if not value else str(value)[:7]


@register.filter
def masked_id(value: object) -> str:
    """An ID number as lists show it: first 6 and last 4 characters."""
    return mask_id(value) if value else "—"


@register.filter
def masked_account(value: object) -> str:
    return mask_account(value) if value else "—"


@register.filter
def duration(value: object) -> str:
    """A timedelta (or seconds) for people: 0.8 s, 12 s, 3 min 05 s."""
    if value is None or value == "":
        return "—"
    seconds = value.total_seconds() if isinstance(value, dt.timedelta) else float(value)  # type: ignore[arg-type]
    if seconds < 10:
        return _("%(s).1f s") % {"s": seconds}
    if seconds < 60:
        return _("%(s)d s") % {"s": round(seconds)}
    minutes, rest = divmod(round(seconds), 60)
    return _("%(m)d min %(s)02d s") % {"m": minutes, "s": rest}


@register.filter
def cell(value: object) -> str:
    """An evidence value: dates as ISO, booleans as 是/否, nothing as a dash."""
    if value is None or value == "":
        return "—"
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return str(value)


# Which top navigation entry a page belongs to, by URL name.
SECTIONS = {
    "data": {"data", "upload", "batch", "batch_progress", "batch_rejects", "batch_original", "batch_retract"},
    "models": {"models", "model_setting"},
    "runs": {"runs", "run", "run_progress"},
    "hits": {"hits", "hit"},
    "alerts": {"alerts", "alerts_export", "alert", "alert_act", "alert_attachment", "deadlines"},
    "tasks": {"tasks"},
    "cockpit": {"cockpit"},
    "audit": {"audit", "audit_verify"},
    "staff": {"staff", "staff_template", "staff_upload", "staff_confirm", "staff_set_active"},
    "account": {"account_security", "totp_confirm", "totp_remove", "password_change", "password_change_done",
                "tokens", "token_create", "token_revoke"},
    "inbox": {"inbox", "inbox_read_all", "notification_read"},
}


@register.simple_tag(takes_context=True)
def section(context: template.Context) -> str:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None or match.namespace not in ("console", ""):  # the account pages are not namespaced
        return ""
    if match.namespace == "console" and (match.url_name or "").startswith("portal"):  # the portal's staff pages
        return "portal"
    if match.namespace == "console" and (match.url_name or "").startswith(("complaint", "question")):
        return "complaints"  # 监督一点通's staff pages
    return next((name for name, names in SECTIONS.items() if match.url_name in names), "")


@register.filter
def level_label(code: object) -> str:
    """高 / 中 / 低 for high / medium / low."""
    from mingjing.analysis.models import LEVEL_CHOICES

    return str(dict(LEVEL_CHOICES).get(str(code), code))


@register.filter
def timeuntil_seconds(end: object, start: object) -> float | str:
    """Seconds between two datetimes (`finished|timeuntil_seconds:started`), for `duration`."""
    if isinstance(end, dt.datetime) and isinstance(start, dt.datetime):
        return (end - start).total_seconds()
    return ""


@register.filter
def get(mapping: object, key: object) -> object:
    """`mapping|get:key` for dicts keyed by a variable (model titles by code)."""
    return mapping.get(key, "") if isinstance(mapping, dict) else ""


RULE_STATUSES = {
    "experimental": gettext_lazy("experimental"),
    "test": gettext_lazy("in test"),
    "stable": gettext_lazy("stable"),
    "deprecated": gettext_lazy("deprecated"),
}


@register.filter
def rule_status(status: object) -> str:
    """A rule file's status (experimental / test / stable / deprecated) for people."""
    return str(RULE_STATUSES.get(str(status), status))
