"""Fetching objects for a user in the console: one helper per kind of object, used by every view.

Each helper starts from the policy's queryset for the kind (`mingjing.accounts.policy`), so it
returns the object or raises 404 whether it does not exist or the user may not see it: a page
never tells an outsider that an object exists. What a user may *do* is asked of the policy too
(`policy.require`, a 403 with the reason).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404

from mingjing.accounts import policy
from mingjing.alerts.models import Alert, Attachment, Notification
from mingjing.analysis.models import Hit, Run
from mingjing.api.models import ApiToken
from mingjing.complaints.models import Complaint
from mingjing.datahub.models import Batch

View = Callable[..., HttpResponseBase]
AnyUser = policy.AnyUser


class StaffRequest(HttpRequest):
    """What a view behind `staff_required` receives: a request from a signed-in staff member."""

    user: User


def staff_required(view: View) -> View:
    """Anonymous visitors go to the login page; signed-in accounts without a role get 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if policy.role_of(request.user) is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def permission_required(permission: str) -> Callable[[View], View]:
    """A staff view for holders of `permission` only (the role check; objects are checked in the
    view with `policy.require`)."""

    def decorate(view: View) -> View:
        @staff_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            policy.require(request.user, permission)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def get_batch_for_user(user: AnyUser, batch_id: int) -> Batch:
    return get_object_or_404(policy.batches_for(user), pk=batch_id)


def get_run_for_user(user: AnyUser, run_id: int) -> Run:
    return get_object_or_404(policy.runs_for(user), pk=run_id)


def get_hit_for_user(user: AnyUser, hit_id: int) -> Hit:
    return get_object_or_404(policy.hits_for(user).select_related("first_run", "last_run"), pk=hit_id)


def get_alert_for_user(user: AnyUser, alert_id: int) -> Alert:
    """The alert with what its detail page shows, or 404 outside the user's jurisdiction."""
    alerts = policy.alerts_for(user).select_related("hit", "department", "township", "signed_by", "result_by")
    return get_object_or_404(alerts, pk=alert_id)


def get_attachment_for_user(user: AnyUser, alert_id: int, attachment_id: int) -> Attachment:
    """An attachment is served only to those who may see its alert."""
    alert = get_alert_for_user(user, alert_id)
    return get_object_or_404(Attachment.objects.filter(alert=alert), pk=attachment_id)


def get_complaint_for_user(user: AnyUser, complaint_id: int) -> Complaint:
    """A complaint or tip-off within the user's jurisdiction (recusal applied), or 404."""
    complaints = policy.complaints_for(user).select_related("triage", "handler", "escalated_to", "answer_by")
    return get_object_or_404(complaints, pk=complaint_id)


def get_notification_for_user(user: AnyUser, notification_id: int) -> Notification:
    """One's own notifications only."""
    mine = Notification.objects.filter(user_id=user.pk) if user.is_authenticated else Notification.objects.none()
    return get_object_or_404(mine, pk=notification_id)


def get_token_for_user(user: AnyUser, token_id: int) -> ApiToken:
    """One's own API token, any token for an administrator; 404 otherwise."""
    return get_object_or_404(policy.tokens_for(user), pk=token_id)


def get_staff_account_for_user(user: AnyUser, account_id: int) -> User:
    """A staff account an administrator may manage; 404 otherwise (superusers included)."""
    return get_object_or_404(policy.staff_for(user), pk=account_id)
