"""Routes of 监督一点通 (questions): `public` (no sign-in, under /v/) and `console` (staff, in the
console's namespace). Registered in `mingjing/portal/urls.py` (FEATURES)."""

from __future__ import annotations

from django.urls import URLPattern

public: list[URLPattern] = []
console: list[URLPattern] = []
