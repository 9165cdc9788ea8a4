"""URLs of the alert loop's pages; included into the `console` namespace by console/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, path

from mingjing.console import alert_views as v

urlpatterns: list[URLPattern] = [
    path("alerts/", v.alert_list, name="alerts"),
    path("alerts/export.xlsx", v.alert_export, name="alerts_export"),
    path("alerts/<int:alert_id>/", v.alert_detail, name="alert"),
    path("alerts/<int:alert_id>/attachments/<int:attachment_id>/", v.attachment_download, name="alert_attachment"),
    path("alerts/<int:alert_id>/<slug:action>/", v.alert_act, name="alert_act"),
    path("tasks/", v.tasks, name="tasks"),
    path("inbox/", v.inbox, name="inbox"),
    path("inbox/read-all/", v.notifications_read_all, name="inbox_read_all"),
    path("inbox/<int:notification_id>/read/", v.notification_read, name="notification_read"),
    path("settings/deadlines/", v.deadline_settings, name="deadlines"),
    path("cockpit/", v.cockpit, name="cockpit"),
]
