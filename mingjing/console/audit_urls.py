"""URLs of the audit trail's page; included into the `console` namespace by console/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from mingjing.console import audit_views as v

urlpatterns: list[URLPattern] = [
    path("audit/", v.trail, name="audit"),
    path("audit/verify/", v.verify, name="audit_verify"),
]
