"""Resident ID numbers (公民身份号码, GB 11643): normalisation, validation, derived fields.

Validation of a single number is python-stdnum's (`stdnum.cn.ric`). Imports check millions of
numbers, so `check_many` repeats the MOD 11-2 checksum over a NumPy matrix; a property test keeps
the two in agreement.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
from stdnum.cn import ric

WEIGHTS = np.array([(2 ** (17 - i)) % 11 for i in range(17)], dtype=np.int64)
CHECK_CHARS = "10X98765432"
MIN_BIRTH = dt.date(1900, 1, 1)
_SEPARATORS = re.compile(r"[\s\-_]+")


@dataclass(frozen=True)
class IdNumber:
    value: str  # 18 chars (upper-case X) when it could be shaped, else the cleaned text
    valid: bool  # checksum and a real birth date
    notes: tuple[str, ...] = ()  # normalisation kinds applied, for the batch report


def check_char(first17: str) -> str:
    return ric.calc_check_digit(first17 + "0")


def normalise_id_number(raw: str) -> IdNumber:
    """Shape a raw ID number as the contract says; never raises (an impossible ID is a finding)."""
    notes: list[str] = []
    text = raw.strip()
    folded = unicodedata.normalize("NFKC", text)
    if folded != text:
        notes.append("id_fullwidth")
    cleaned = _SEPARATORS.sub("", folded)
    if cleaned != folded.strip():
        notes.append("id_separators_removed")
    if cleaned.endswith("x"):
        cleaned = cleaned[:-1] + "X"
        notes.append("id_lowercase_x")
    if len(cleaned) == 15 and cleaned.isdigit():
        cleaned = upgrade_15(cleaned)
        notes.append("id_upgraded_15_to_18")
    valid = is_valid(cleaned)
    if not valid:
        notes.append("id_invalid")
    return IdNumber(cleaned, valid, tuple(notes))


def upgrade_15(old: str) -> str:
    """A 1989-standard 15-digit number to 18: insert the century `19`, append the check char."""
    first17 = old[:6] + "19" + old[6:]
    return first17 + check_char(first17)


def is_valid(number: str, today: dt.date | None = None) -> bool:
    """The contract's validity: MOD 11-2 checksum and a real birth date (1900 to today).

    stdnum's own `validate` also looks the address code up in its table of historical
    counties; the contract deliberately does not (numbers stay valid after a county is merged).
    """
    if len(number) != 18 or not number[:17].isdigit():
        return False
    if number[17] != check_char(number[:17]):
        return False
    born = birth_date(number)
    return born is not None and MIN_BIRTH <= born <= (today or dt.date.today())


def birth_date(number: str) -> dt.date | None:
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def gender(number: str) -> str | None:
    digit = number[16:17]
    if not digit.isdigit():
        return None
    return "男" if int(digit) % 2 else "女"


def check_many(matrix: np.ndarray) -> np.ndarray:
    """Checksum validity of N canonical-shaped numbers given as an (N, 18) uint8 ASCII matrix.

    Rows must match `^\\d{17}[\\dX]$`; the birth date is checked separately.
    """
    digits = matrix[:, :17].astype(np.int64) - ord("0")
    expected = np.frombuffer(CHECK_CHARS.encode(), dtype=np.uint8)[(digits @ WEIGHTS) % 11]
    return expected == matrix[:, 17]
