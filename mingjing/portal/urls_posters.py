"""Routes of the portal's posters pages: `public` (no sign-in, under /v/) and `console` (staff,
in the console's namespace, names prefixed `portal_`). A household's code, /h/<token>/, is
routed at the top level (`mingjing/urls.py`) to keep the printed address short."""

from __future__ import annotations

from django.urls import URLPattern, path

from mingjing.portal import poster_views

public: list[URLPattern] = []
console: list[URLPattern] = [
    path("portal/posters/", poster_views.posters_page, name="portal_posters"),
]
