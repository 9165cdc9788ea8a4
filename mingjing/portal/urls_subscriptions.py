"""Routes of the portal's subscriptions pages: `public` (no sign-in, under /v/) and `console` (staff,
in the console's namespace, names prefixed `portal_`)."""

from __future__ import annotations

from django.urls import URLPattern, path

from mingjing.portal import subscription_views as views

public: list[URLPattern] = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("<str:village_code>/subscribe/", views.subscribe, name="subscribe"),
]
console: list[URLPattern] = [
    path("portal/outbox/", views.outbox, name="portal_outbox"),
    path("portal/outbox/<int:message_id>/resend/", views.outbox_resend, name="portal_outbox_resend"),
]
