from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import User

from mingjing.api.models import ApiToken
from mingjing.audit.actions import record


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def do_create_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret (the only time the secret is available)."""
    secret = "mj_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=secret[3:11], key_hash=digest(secret))
    record("api.token_created", actor=user, obj=token, detail={"name": name, "prefix": token.prefix})
    return token, secret
