from __future__ import annotations

from django.urls import path

from mingjing.console import (
    alert_urls,
    analysis_views,
    audit_urls,
    portal_views,
    staff_urls,
    token_urls,
    views,
)
from mingjing.portal import urls as portal_urls

app_name = "console"
urlpatterns = [
    path("data/", views.data, name="data"),
    path("data/upload/", views.upload, name="upload"),
    path("data/batches/<int:batch_id>/", views.batch, name="batch"),
    path("data/batches/<int:batch_id>/progress/", views.batch_progress, name="batch_progress"),
    path("data/batches/<int:batch_id>/rejects.csv", views.batch_rejects, name="batch_rejects"),
    path("data/batches/<int:batch_id>/original/", views.batch_original, name="batch_original"),
    path("data/batches/<int:batch_id>/retract/", views.batch_retract, name="batch_retract"),
    path("models/", analysis_views.models, name="models"),
    path("models/<str:code>/", analysis_views.model_setting, name="model_setting"),
    path("runs/", analysis_views.runs, name="runs"),
    path("runs/<int:run_id>/", analysis_views.run, name="run"),
    path("runs/<int:run_id>/progress/", analysis_views.run_progress, name="run_progress"),
    path("hits/", analysis_views.hits, name="hits"),
    path("hits/<int:hit_id>/", analysis_views.hit, name="hit"),
    *alert_urls.urlpatterns,  # alerts, my tasks, inbox, cockpit (alert_views.py)
    *audit_urls.urlpatterns,  # the audit trail (audit_views.py)
    *staff_urls.urlpatterns,  # staff accounts (staff_views.py)
    *token_urls.urlpatterns,  # API tokens (token_views.py)
    path("portal/", portal_views.hub, name="portal"),  # the villager portal's staff pages
    *portal_urls.console_urlpatterns,  # disclosures, policies, micro-power list, outbox, posters
]
