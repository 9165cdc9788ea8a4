"""Routes of 监督一点通 (console): `public` (no sign-in, under /v/) and `console` (staff, in the
console's namespace). Registered in `mingjing/portal/urls.py` (FEATURES). Console route names
start with `complaint` (the navigation's section tag relies on it)."""

from __future__ import annotations

from django.urls import URLPattern, path

from mingjing.console import complaint_views as v

public: list[URLPattern] = []
console: list[URLPattern] = [
    path("complaints/", v.complaint_list, name="complaints"),
    path("complaints/tasks/", v.complaint_tasks, name="complaints_tasks"),
    path("complaints/export.xlsx", v.complaint_export, name="complaints_export"),
    path("complaints/<int:complaint_id>/", v.complaint_detail, name="complaint"),
    path("complaints/<int:complaint_id>/linked/", v.complaint_linked, name="complaint_linked"),
    path("complaints/<int:complaint_id>/photos/<int:photo_id>/", v.complaint_photo, name="complaint_photo"),
    path("complaints/<int:complaint_id>/photos/<int:photo_id>/original/", v.complaint_photo_original,
         name="complaint_photo_original"),
    path("complaints/<int:complaint_id>/<str:action>/", v.complaint_act, name="complaint_act"),
]
