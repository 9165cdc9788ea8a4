"""Tracking codes (查询码): a short public reference plus a secret part, e.g. `K7QM3XPA-9F2K7-QW3MX`.

- The reference (8 characters, 40 random bits) names the complaint; it is not a secret.
- The secret (10 characters of Crockford's base 32: 50 bits) is shown once, when the complaint is
  filed; only a slow salted hash of it is stored (scrypt, parameters kept with the hash so they can
  be raised later). Guessing it online is bounded by the lookup back-off (`lookup.py`).
- Crockford's alphabet leaves out I, L, O and U; what a villager types is folded (O→0, I/L→1,
  lower case, spaces and dashes) before it is checked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_LENGTH = 8
SECRET_LENGTH = 10
# scrypt with n=2**12, r=8: about 20 ms and 4 MB per check on the 2-core machine (bench/RESULTS.md).
# The secret is 50 random bits, not a password: at 20 ms a guess, a thousand cores would need
# seven centuries offline, and online guessing is held back by the lookup back-off. Filing and
# lookups stay within their 100 ms at p95.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**12, 8, 1
_FOLD = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V", "-": None, " ": None, "　": None})


@dataclass(frozen=True)
class TrackingCode:
    reference: str
    secret: str

    def __str__(self) -> str:
        return f"{self.reference}-{self.secret[:5]}-{self.secret[5:]}"


def _random(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_reference() -> str:
    return _random(REFERENCE_LENGTH)


def new_secret() -> str:
    return _random(SECRET_LENGTH)


def parse(text: str) -> TrackingCode | None:
    """What a villager typed, folded; None unless it has the shape of a code."""
    folded = (text or "").upper().translate(_FOLD)[: REFERENCE_LENGTH + SECRET_LENGTH + 1]
    if len(folded) != REFERENCE_LENGTH + SECRET_LENGTH or any(c not in ALPHABET for c in folded):
        return None
    return TrackingCode(folded[:REFERENCE_LENGTH], folded[REFERENCE_LENGTH:])


def _scrypt(secret: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=64 * 1024 * 1024)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def hash_secret(secret: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(secret, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


# Checked against when the reference is unknown, so that an unknown reference costs what a
# wrong secret costs and the two cannot be told apart by timing.
_DUMMY = hash_secret(new_secret())


def check_secret(secret: str, stored: str | None) -> bool:
    """Whether `secret` matches the stored hash; with `stored=None` (no such reference) the same
    work is done and the answer is False."""
    try:
        scheme, n, r, p, salt, digest = (stored or _DUMMY).split("$")
        assert scheme == "scrypt"
        ok = hmac.compare_digest(_scrypt(secret, base64.b64decode(salt), int(n), int(r), int(p)),
                                 base64.b64decode(digest))
    except (ValueError, AssertionError):
        return False
    return ok and stored is not None
