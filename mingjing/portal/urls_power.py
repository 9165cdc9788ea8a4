"""Routes of the portal's micro-power list and policy texts: `public` (no sign-in, under /v/) and
`console` (staff, in the console's namespace, names prefixed `portal_`)."""

from __future__ import annotations

from django.urls import URLPattern, path

from mingjing.portal import power_views as views

public: list[URLPattern] = [
    path("<str:village_code>/power/", views.power_list, name="power"),
    path("<str:village_code>/power/<int:pk>/", views.power_item, name="power_item"),
]
console: list[URLPattern] = [
    path("portal/power/", views.console_power, name="portal_power"),
    path("portal/power/new/", views.console_power_new, name="portal_power_new"),
    path("portal/power/<int:pk>/", views.console_power_edit, name="portal_power_edit"),
    path("portal/power/<int:pk>/active/", views.console_power_active, name="portal_power_active"),
    path("portal/policies/", views.console_policies, name="portal_policies"),
    path("portal/policies/sync/", views.console_policies_sync, name="portal_policies_sync"),
    path("portal/policies/p/<str:program_code>/", views.console_policy, name="portal_policy"),
]
