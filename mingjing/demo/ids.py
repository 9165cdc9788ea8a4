"""Resident ID numbers (GB 11643) and bank account numbers for the demo county.

The scalar helpers delegate the check character to `stdnum.cn.ric`, the project's reference; the
vectorised `id_numbers` computes the same MOD 11-2 check over numpy arrays because a county of a
million people would take too long one `calc_check_digit` call at a time. The tests compare both.
"""

from __future__ import annotations

from datetime import date

import numpy as np
from stdnum.cn import ric

# ISO 7064 MOD 11-2 weights for the 17 body digits, and the check character for S mod 11.
WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = "10X98765432"

_FULL_WIDTH_DIGITS = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def check_char(body17: str) -> str:
    """The check character of a 17-digit body (stdnum expects the number with a check slot)."""
    return ric.calc_check_digit(body17 + "0")


def make_id(prefix6: str, birth: date, seq: int) -> str:
    """An 18-character ID number with a valid check character."""
    body = f"{prefix6}{birth:%Y%m%d}{seq:03d}"
    return body + check_char(body)


def id_numbers(prefix6: np.ndarray, yyyymmdd: np.ndarray, seq: np.ndarray) -> list[str]:
    """Vectorised `make_id` over int64 arrays (prefix as a 6-digit int, birth date as YYYYMMDD)."""
    body = prefix6.astype(np.int64) * 10**11 + yyyymmdd.astype(np.int64) * 1000 + seq
    total = np.zeros(len(body), dtype=np.int64)
    rest = body.copy()
    for position in range(16, -1, -1):  # last digit first
        total += (rest % 10) * WEIGHTS[position]
        rest //= 10
    checks = np.array(list(CHECK_CHARS))[total % 11]
    return [f"{b:017d}{c}" for b, c in zip(body.tolist(), checks.tolist(), strict=True)]


def to_old15(id18: str) -> str:
    """The 15-digit pre-1999 form of an ID of someone born 1900-1999 (drop `19` and the check)."""
    if id18[6:8] != "19":
        raise ValueError(f"only people born 1900-1999 have a 15-digit form: {id18}")
    return id18[:6] + id18[8:17]


def upgrade15(id15: str) -> str:
    """The 18-character form of a 15-digit number, as the importer computes it."""
    body = id15[:6] + "19" + id15[6:]
    return body + check_char(body)


def full_width(text: str) -> str:
    """Digits (and X) folded to their full-width forms, as some departments' exports have them."""
    return text.translate(_FULL_WIDTH_DIGITS)


def wrong_check(id18: str) -> str:
    """The same body with a check character that is certainly wrong (for planted invalid IDs)."""
    good = id18[17]
    return id18[:17] + ("1" if good != "1" else "2")


def account_numbers(ids: np.ndarray, salt: int) -> list[str]:
    """19-digit bank card numbers (`6217 99` + 12 digits + Luhn check), one per account id.

    The 12 middle digits are an affine permutation of the account id (the odd multiplier is coprime with 10^12),
    so distinct ids always give distinct numbers; the salt makes each seed's numbers different.
    """
    middle = (ids.astype(np.int64) * 738_271_393 + salt) % 10**12
    body = 621799 * 10**12 + middle  # 18 digits
    total = np.zeros(len(body), dtype=np.int64)
    rest = body.copy()
    for position in range(18):  # rightmost body digit first; it is doubled (check digit follows)
        digit = rest % 10
        if position % 2 == 0:
            digit = digit * 2
            digit = np.where(digit > 9, digit - 9, digit)
        total += digit
        rest //= 10
    check = (10 - total % 10) % 10
    return [f"{b:018d}{c}" for b, c in zip(body.tolist(), check.tolist(), strict=True)]


def luhn_ok(number: str) -> bool:
    """Luhn check of a card number (used by the tests)."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0
