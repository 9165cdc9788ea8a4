"""Lookup passes: a random token standing for "this visitor just proved who they are" (ID
number, name and the account's last four digits), valid for `PASS_MINUTES`. The lookup issues
one; subscribing redeems it. The ID number stays on the server."""

from __future__ import annotations

import datetime as dt
import secrets

from django.utils import timezone

from mingjing.portal.models import LookupPass

PASS_MINUTES = 15


def issue(id_number: str, village_code: str) -> str:
    now = timezone.now()
    LookupPass.objects.filter(expires_at__lt=now).delete()  # expired passes are worthless: tidy them
    token = secrets.token_urlsafe(32)
    LookupPass.objects.create(token=token, id_number=id_number, village_code=village_code,
                              expires_at=now + dt.timedelta(minutes=PASS_MINUTES))
    return token


def redeem(token: str) -> LookupPass | None:
    """The pass, if the token is one and has not expired (it stays valid until it expires, so
    that a villager may subscribe both a phone and WeChat)."""
    if not token or len(token) > 43:
        return None
    return LookupPass.objects.filter(token=token, expires_at__gte=timezone.now()).first()
