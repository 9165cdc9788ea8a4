from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from mingjing.api.views import api
from mingjing.portal import public_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="console:data", permanent=False)),
    path("", include("mingjing.accounts.signin_urls")),  # login, logout, code step, account security
    path("console/", include("mingjing.console.urls")),
    path("v/", include("mingjing.portal.urls")),  # the public portal: no sign-in (mingjing/portal/)
    path("h/<str:token>/", public_views.household, name="household"),  # 户廉码: a household's QR code
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
handler403 = "mingjing.console.views.forbidden"
