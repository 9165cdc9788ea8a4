"""Staff accounts (`staff_views.py`), for holders of `staff.manage`: included by `urls.py`."""

from __future__ import annotations

from django.urls import path

from mingjing.console import staff_views

urlpatterns = [
    path("staff/", staff_views.staff_list, name="staff"),
    path("staff/template.xlsx", staff_views.staff_template, name="staff_template"),
    path("staff/upload/", staff_views.staff_upload, name="staff_upload"),
    path("staff/confirm/", staff_views.staff_confirm, name="staff_confirm"),
    path("staff/<int:account_id>/active/", staff_views.staff_set_active, name="staff_set_active"),
]
