from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from mingjing.api.views import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="console:data", permanent=False)),
    path("", include("mingjing.accounts.signin_urls")),  # login, logout, code step, account security
    path("console/", include("mingjing.console.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
handler403 = "mingjing.console.views.forbidden"
