"""Routes of 监督一点通 (questions): `public` (no sign-in, under /v/) and `console` (staff, in the
console's namespace). Registered in `mingjing/portal/urls.py` (FEATURES)."""

from __future__ import annotations

from django.urls import URLPattern, path

from mingjing.complaints import question_views as v

public: list[URLPattern] = [
    path("<str:village_code>/questions/", v.question_list, name="question_list"),
]
console: list[URLPattern] = [
    path("questions/", v.questions, name="questions"),
    path("questions/<int:pk>/moderate/", v.question_moderate, name="question_moderate"),
    path("questions/<int:pk>/answer/", v.question_answer, name="question_answer"),
]
