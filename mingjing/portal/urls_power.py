"""Routes of the portal's power pages: `public` (no sign-in, under /v/) and `console` (staff,
in the console's namespace, names prefixed `portal_`)."""

from __future__ import annotations

from django.urls import URLPattern

public: list[URLPattern] = []
console: list[URLPattern] = []
