"""The region codes of GB/T 2260 with the 12-digit village codes of the statistics office:
county 6 digits + township 3 + village 3. The one place that knows how codes nest."""

from __future__ import annotations


def township_of(code: str | None) -> str:
    """The township's 12-digit code of a township or village code ('' for none)."""
    return code[:9] + "000" if code else ""


def county_of(code: str | None) -> str:
    return code[:6] + "000000" if code else ""


def level_of(code: str) -> str:
    """'county', 'township' or 'village' by which digits are zero."""
    if code[6:] == "000000":
        return "county"
    if code[9:] == "000":
        return "township"
    return "village"


def within(code: str | None, area: str) -> bool:
    """Whether `code` lies in `area` (a county, township or village code)."""
    if not code or not area:
        return False
    level = level_of(area)
    if level == "county":
        return code[:6] == area[:6]
    if level == "township":
        return code[:9] == area[:9]
    return code == area
