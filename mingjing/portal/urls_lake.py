"""Routes of the portal's lake pages: `public` (no sign-in, under /v/) and `console` (staff,
in the console's namespace, names prefixed `portal_`)."""

from __future__ import annotations

from django.urls import URLPattern, path

from mingjing.portal import lake_views

public: list[URLPattern] = [
    path("<str:village_code>/subsidies/", lake_views.subsidies, name="subsidies"),
    path("<str:village_code>/subsidies/<str:program_code>/<str:period>/", lake_views.subsidy_list,
         name="subsidy_list"),
    path("<str:village_code>/lookup/", lake_views.lookup, name="lookup"),
]
console: list[URLPattern] = []
