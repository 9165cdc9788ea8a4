from __future__ import annotations

from django.urls import path

from mingjing.console import alert_urls, views

app_name = "console"
urlpatterns = [
    path("data/", views.data, name="data"),
    path("data/upload/", views.upload, name="upload"),
    path("data/batches/<int:batch_id>/", views.batch, name="batch"),
    path("data/batches/<int:batch_id>/progress/", views.batch_progress, name="batch_progress"),
    path("data/batches/<int:batch_id>/rejects.csv", views.batch_rejects, name="batch_rejects"),
    path("data/batches/<int:batch_id>/retract/", views.batch_retract, name="batch_retract"),
    *alert_urls.urlpatterns,  # alerts, my tasks, inbox, cockpit (alert_views.py)
]
