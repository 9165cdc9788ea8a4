"""Who may open which alert, attachment and notification in the console: one helper per kind.

Each returns the object or raises 404, whether it does not exist or the user may not see it, so
a page never tells an outsider that an alert exists. Jurisdiction itself is decided once, in
`mingjing.alerts.queries.alerts_for_user`; these helpers only apply it.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.shortcuts import get_object_or_404

from mingjing.alerts.models import Alert, Attachment, Notification
from mingjing.alerts.queries import alerts_for_user


def get_alert_for_user(user: User | AnonymousUser, alert_id: int) -> Alert:
    """The alert with what its detail page shows, or 404 outside the user's jurisdiction."""
    alerts = alerts_for_user(user).select_related("hit", "department", "township", "signed_by", "result_by")
    return get_object_or_404(alerts, pk=alert_id)


def get_attachment_for_user(user: User | AnonymousUser, alert_id: int, attachment_id: int) -> Attachment:
    """An attachment is served only to those who may see its alert."""
    alert = get_alert_for_user(user, alert_id)
    return get_object_or_404(Attachment.objects.filter(alert=alert), pk=attachment_id)


def get_notification_for_user(user: User | AnonymousUser, notification_id: int) -> Notification:
    """One's own notifications only."""
    if not user.is_authenticated:
        return get_object_or_404(Notification.objects.none(), pk=notification_id)
    return get_object_or_404(Notification.objects.filter(user=user), pk=notification_id)
