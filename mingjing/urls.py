from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from mingjing.api.views import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="console:data", permanent=False)),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("console/", include("mingjing.console.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
