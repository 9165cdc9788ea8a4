"""Reads of the alert loop, and the one place that decides who sees and does what."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q, QuerySet

from mingjing.accounts.models import Organisation
from mingjing.alerts.models import Alert


def organisation_of(user: User | AnonymousUser) -> Organisation | None:
    membership = getattr(user, "membership", None) if user.is_authenticated else None
    return membership.organisation if membership else None


def is_county(user: User | AnonymousUser) -> bool:
    """County commission staff (and superusers, who administer the instance) see everything."""
    if not user.is_authenticated:
        return False
    org = organisation_of(user)
    return bool(user.is_superuser or (org and org.kind == Organisation.Kind.COUNTY_COMMISSION))


def alerts_for_user(user: User | AnonymousUser) -> QuerySet[Alert]:
    """Jurisdiction (workflow.md): county all; township its township; department what is routed
    to it; village its own village, never an alert about one of its cadres or their relatives."""
    alerts = Alert.objects.all()
    if not user.is_authenticated:
        return alerts.none()
    if is_county(user):
        return alerts
    org = organisation_of(user)
    if org is None:
        return alerts.none()
    if org.kind == Organisation.Kind.TOWNSHIP_COMMISSION:
        return alerts.filter(Q(township_code=org.region_code) | Q(township=org))
    if org.kind == Organisation.Kind.DEPARTMENT:
        return alerts.filter(department=org)
    if org.kind == Organisation.Kind.VILLAGE:
        return alerts.filter(region_code=org.region_code).exclude(conflict_villages__contains=f",{org.region_code},")
    return alerts.none()


def allowed_actions(user: User | AnonymousUser, alert: Alert) -> set[str]:
    """What this user may do to this alert now (the buttons shown, and the check in actions)."""
    if not user.is_authenticated:
        return set()
    org = organisation_of(user)
    county = is_county(user)
    handler = org is not None and org.pk in (alert.department_id, alert.township_id)
    actions: set[str] = set()
    if county:
        actions.add("reassign")
    if alert.status == Alert.Status.NEW and (handler or county):
        actions.add("sign")
    if alert.status == Alert.Status.VERIFYING and (handler or county):
        actions |= {"submit_result", "request_dismissal"}
    if alert.status == Alert.Status.RECTIFYING and (handler or county):
        actions.add("rectify")
    # Reviewed by the level above, never by the submitter: a department's result by the township
    # commission (or the county), a township's result by the county.
    township_above = (
        alert.result_by_kind == Organisation.Kind.DEPARTMENT
        and org is not None and org.kind == Organisation.Kind.TOWNSHIP_COMMISSION
        and org.region_code == alert.township_code
    )
    if alert.status == Alert.Status.UNDER_REVIEW and alert.result_by_id != user.pk and (county or township_above):
        actions.add("review")
    return actions
