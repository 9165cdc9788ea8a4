"""Small display helpers for the console pages."""

from __future__ import annotations

from django import template

register = template.Library()


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
