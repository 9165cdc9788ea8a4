"""The public portal (码上监督), mounted at /v/: no sign-in, phone first. Each feature keeps its
routes in its own `urls_<feature>.py` (`public` here, `console` in the console's namespace)."""

from __future__ import annotations

from django.urls import path

from mingjing.complaints import urls_console as urls_complaints_console
from mingjing.complaints import urls_public as urls_complaints
from mingjing.complaints import urls_questions
from mingjing.portal import (
    public_views,
    urls_disclosure,
    urls_lake,
    urls_posters,
    urls_power,
    urls_subscriptions,
)

FEATURES = (urls_disclosure, urls_lake, urls_subscriptions, urls_posters, urls_power,
            urls_complaints, urls_complaints_console, urls_questions)

app_name = "portal"
urlpatterns = [
    path("", public_views.county_index, name="index"),
    path("text-size/", public_views.text_size, name="text_size"),
    path("t/<str:township_code>/", public_views.township_index, name="township"),
    path("<str:village_code>/", public_views.village, name="village"),
    path("<str:village_code>/complaints/", public_views.complaints_entry, name="complaints"),
    *(route for feature in FEATURES for route in feature.public),
]
console_urlpatterns = [route for feature in FEATURES for route in feature.console]
