"""Routes of 监督一点通 (public): `public` (no sign-in, under /v/) and `console` (staff, in the
console's namespace). Registered in `mingjing/portal/urls.py` (FEATURES)."""

from __future__ import annotations

from django.urls import URLPattern, path

from mingjing.complaints import public_views as views

public: list[URLPattern] = [
    path("complaints/transfer/<str:token>/", views.transfer_callback, name="complaint_transfer_callback"),
    path("complaints/photo/<str:token>/", views.photo, name="complaint_photo"),
    path("<str:village_code>/complaints/new/", views.new, name="complaint_new"),
    path("<str:village_code>/complaints/status/", views.status, name="complaint_status"),
    path("<str:village_code>/complaints/status/add/", views.add_information, name="complaint_add"),
    path("<str:village_code>/complaints/status/rate/", views.rate, name="complaint_rate"),
    path("<str:village_code>/complaints/answers/", views.answers, name="complaint_answers"),
]
console: list[URLPattern] = []
