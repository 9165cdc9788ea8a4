"""Who may see what in the console: one helper per kind of object, used by every view.

For now every active staff member may see every batch, run and hit. When organisations arrive, the
narrowing happens here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404

from mingjing.alerts.queries import alerts_for_user, is_county
from mingjing.analysis.models import Hit, Run
from mingjing.datahub.models import Batch

View = Callable[..., HttpResponseBase]


class StaffRequest(HttpRequest):
    """What a view behind `staff_required` receives: a request from a signed-in staff member."""

    user: User


def is_staff(user: AbstractBaseUser | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active and getattr(user, "is_staff", False))


def staff_required(view: View) -> View:
    """Anonymous visitors go to the login page; signed-in non-staff get 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def batches_for_user(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Batch]:
    """The batches `user` may see, newest first."""
    if not is_staff(user):
        return Batch.objects.none()
    return Batch.objects.select_related("created_by", "retracted_by", "superseded_by").order_by(
        "-id"
    )


def get_batch_for_user(user: AbstractBaseUser | AnonymousUser, batch_id: int) -> Batch:
    """The batch, or 404 when it does not exist or `user` may not see it (no difference shown)."""
    return get_object_or_404(batches_for_user(user), pk=batch_id)


def runs_for_user(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Run]:
    """The detection runs `user` may see, newest first."""
    if not is_staff(user):
        return Run.objects.none()
    return Run.objects.select_related("created_by").order_by("-id")


def get_run_for_user(user: AbstractBaseUser | AnonymousUser, run_id: int) -> Run:
    """The run, or 404 when it does not exist or `user` may not see it."""
    return get_object_or_404(runs_for_user(user), pk=run_id)


def hits_for_user(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Hit]:
    """The hits `user` may see: the county commission sees every hit; everyone else the hits
    whose alerts fall in their jurisdiction (`alerts_for_user`, the one jurisdiction rule)."""
    if not is_staff(user):
        return Hit.objects.none()
    if is_county(user):  # type: ignore[arg-type]
        return Hit.objects.all()
    return Hit.objects.filter(alert__in=alerts_for_user(user))  # type: ignore[arg-type]


def get_hit_for_user(user: AbstractBaseUser | AnonymousUser, hit_id: int) -> Hit:
    """The hit, or 404 when it does not exist or `user` may not see it (no difference shown)."""
    return get_object_or_404(hits_for_user(user).select_related("first_run", "last_run"), pk=hit_id)
