"""What every public page shares: the villages (from the regions dataset), the page frame
(large text, the visit count) and the not-found answer. Public views never see a user."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from mingjing.datahub import queries as hub
from mingjing.lib import regions
from mingjing.portal import visits

BIG_TEXT_COOKIE = "portal_big"


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    township_code: str
    township_name: str

    @property
    def full_name(self) -> str:
        return f"{self.township_name}{self.name}" if self.township_name else self.name


PLACES_SECONDS = 60.0  # how long a process keeps the list of villages between changes
_places: dict[str, Any] = {"at": -PLACES_SECONDS, "value": None}
_places_lock = threading.Lock()


def places() -> dict[str, Place]:
    """Every village of the county, by code. Every public page asks, so each process keeps the
    list for `PLACES_SECONDS`, and forgets it at once when a regions batch is activated or an
    organisation is saved (`forget_places`, connected in apps.py)."""
    with _places_lock:
        if _places["value"] is not None and time.monotonic() - _places["at"] < PLACES_SECONDS:
            return dict(_places["value"])
    found = _read_places()
    with _places_lock:
        _places.update(at=time.monotonic(), value=found)
    return dict(found)


def forget_places(*args: Any, **kwargs: Any) -> None:
    with _places_lock:
        _places["value"] = None


def _read_places() -> dict[str, Place]:
    names = hub.region_names()
    found: dict[str, Place] = {}
    for code, name in names.items():
        if len(code) == 12 and regions.level_of(code) == "village":
            township = regions.township_of(code)
            found[code] = Place(code, name, township, names.get(township, ""))
    return found


def townships() -> dict[str, str]:
    """Every township of the county, by code."""
    names = hub.region_names()
    return {code: name for code, name in sorted(names.items())
            if len(code) == 12 and regions.level_of(code) == "township"}


def place_or_404(village_code: str) -> Place:
    if not (len(village_code) == 12 and village_code.isdigit()):
        raise Http404("no such village")
    place = places().get(village_code)
    if place is None:
        raise Http404("no such village")
    return place


def render_public(request: HttpRequest, template: str, context: dict[str, Any],
                  place: Place | None = None, status: int = 200) -> HttpResponse:
    """Render a public page: large text from the cookie; a village's page counts one visit."""
    if place is not None:
        visits.count(place.code)
    context = {**context, "place": place, "big_text": request.COOKIES.get(BIG_TEXT_COOKIE) == "1"}
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-cache"  # masked lists change with each import; always revalidate
    return response
