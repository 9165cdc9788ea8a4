"""What every public page shares: the villages (from the regions dataset), the page frame
(large text, the visit count) and the not-found answer. Public views never see a user."""

from __future__ import annotations

import functools
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import translation

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
    """Render a public page: large text from the cookie; a village's page counts one visit
    (unless `cached_page` counted it already)."""
    if place is not None and not getattr(request, "_visit_counted", False):
        visits.count(place.code)
    context = {**context, "place": place, "big_text": request.COOKIES.get(BIG_TEXT_COOKIE) == "1"}
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "no-cache"  # masked lists change with each import; always revalidate
    return response


# -- the public pages' cache --------------------------------------------------------------------------
#
# Every villager of a village reads the same pages, and they change only when something is
# published or imported. `cached_page` keeps a rendered page for `PAGE_SECONDS` under a key that
# holds the portal's generation; any change to what the pages show (a batch activated, a
# disclosure, micro-power item, policy text, category or organisation saved: apps.py) bumps the
# generation, so the next request renders afresh. With Redis (MINGJING_REDIS_URL) every process
# sees the bump at once; with each process's own memory, another process may serve the old page
# for up to PAGE_SECONDS. Pages with a form that posts (CSRF token) or a cookie are never cached.

PAGE_SECONDS = 300
GENERATION_KEY = "portal:generation"
MAX_CACHED_PATH = 300
CACHED_PARAMS = {"q", "page"}  # the county index's search, a payment list's page


def generation() -> int:
    return int(cache.get_or_set(GENERATION_KEY, 1, timeout=None) or 1)


def pages_changed(*args: Any, **kwargs: Any) -> None:
    """Forget every cached public page (a signal receiver: any arguments)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not set yet (or evicted): a new generation either way
        cache.set(GENERATION_KEY, int(time.time()), timeout=None)


def cached_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Serve a public GET page from the cache when it can; count the visit either way."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        village_code = kwargs.get("village_code", "")
        # Only the parameters the pages read make a key; anything else (?x=1, ?x=2, ...) is
        # served uncached rather than filling the cache with copies of one page.
        if (request.method != "GET" or not set(request.GET) <= CACHED_PARAMS
                or len(request.get_full_path()) > MAX_CACHED_PATH):
            return view(request, *args, **kwargs)
        params = "&".join(f"{name}={request.GET[name].strip()}" for name in sorted(request.GET))
        big = request.COOKIES.get(BIG_TEXT_COOKIE) == "1"
        page = hashlib.sha256(f"{request.path}?{params}".encode()).hexdigest()  # any path: a safe key
        key = f"portal:page:{generation()}:{translation.get_language()}:{int(big)}:{page}"
        hit = cache.get(key)
        if hit is not None:
            content, content_type = hit
            if village_code:
                visits.count(village_code)
            cached = HttpResponse(content, content_type=content_type)
            cached["Cache-Control"] = "no-cache"
            return cached
        response = view(request, *args, **kwargs)
        if (isinstance(response, HttpResponse) and response.status_code == 200 and not response.cookies
                and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")):
            cache.set(key, (response.content, response["Content-Type"]), timeout=PAGE_SECONDS)
        return response

    return wrapper
