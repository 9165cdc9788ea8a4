from __future__ import annotations

from django.urls import path

from mingjing.console import views

app_name = "console"
urlpatterns = [
    path("data/", views.data, name="data"),
]
