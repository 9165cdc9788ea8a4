"""Text a spreadsheet would run as a formula (CSV/XLSX injection): one rule for every export and
every sheet we read."""

from __future__ import annotations

# Excel and WPS evaluate a cell that starts with one of these.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_START)


def defuse(text: str) -> str:
    """A leading apostrophe keeps a spreadsheet from evaluating text as a formula."""
    return "'" + text if looks_like_formula(text) else text
