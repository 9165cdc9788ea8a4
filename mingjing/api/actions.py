"""Every write to API tokens: create and revoke. The console, the command line and tests call these."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from mingjing.accounts import policy
from mingjing.api.models import ApiToken
from mingjing.audit.actions import record


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def do_create_token(*, user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token for `user`, valid for `days` (default `MINGJING_API_TOKEN_DAYS`), and return
    it with its secret (the only time the secret is available)."""
    days = settings.API_TOKEN_DAYS if days is None else days
    if days < 1:
        raise ValueError("a token lives at least one day")
    secret = "mj_" + secrets.token_urlsafe(32)
    expires_at = timezone.now() + dt.timedelta(days=days)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[3:11], key_hash=digest(secret), expires_at=expires_at
    )
    record("api.token_created", actor=user, obj=token,
           detail={"name": name, "prefix": token.prefix, "expires_at": expires_at})
    return token, secret


def do_revoke_token(*, token: ApiToken, user: User | None) -> ApiToken:
    """Revoke a token: its owner or a county administrator may (`user=None` is the operator at the
    command line). Revoking a revoked token changes nothing and records nothing."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
        if user is not None and not (policy.can(user, "token.own", token) or policy.has(user, "token.manage")):
            raise policy.Refused("您不能撤销他人的接口令牌", "you may not revoke another user's API token")
        if token.revoked:
            return token
        token.revoked = True
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked", "revoked_at"])
        record("api.token_revoked", actor=user, obj=token,
               detail={"name": token.name, "prefix": token.prefix, "owner": token.user.get_username()})
    return token
