"""The alert loop (预警闭环): alerts made from hits, their timeline, deadlines and follow-ups."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from mingjing.accounts.models import Organisation
from mingjing.analysis.models import LEVEL_CHOICES, Hit


class Alert(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("new")
        VERIFYING = "verifying", _("verifying")
        UNDER_REVIEW = "under_review", _("under review")
        RECTIFYING = "rectifying", _("rectification pending")
        CLOSED = "closed", _("closed")

    class Result(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        PARTLY = "partly", _("partly confirmed")
        NOT_CONFIRMED = "not_confirmed", _("not confirmed")
        DISMISSED = "dismissed", _("dismissed as a false positive")

    class Review(models.TextChoices):
        RESULT = "result", _("result")
        DISMISSAL = "dismissal", _("dismissal request")

    hit = models.OneToOneField(Hit, on_delete=models.PROTECT, related_name="alert")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    level = models.CharField(max_length=8, choices=LEVEL_CHOICES)  # raised by escalation
    original_level = models.CharField(max_length=8, choices=LEVEL_CHOICES)
    # Denormalised from the hit for fast lists and jurisdiction filters.
    model = models.CharField(max_length=32)
    region_code = models.CharField(max_length=12, blank=True)
    township_code = models.CharField(max_length=12, blank=True)
    program_code = models.CharField(max_length=32, blank=True)
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    # Routing: the department that verifies first and the township commission; reassignable.
    department = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    supervised = models.BooleanField(default=False)  # 督办: raised to the county commission
    # Villages whose cadres (or their relatives) the alert is about, as ",code,code,": they never
    # see it. Text, not JSON, so the exclusion is one portable LIKE on SQLite and PostgreSQL.
    conflict_villages = models.TextField(blank=True)
    sign_due = models.DateTimeField(null=True)
    result_due = models.DateTimeField(null=True)
    signed_at = models.DateTimeField(null=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(max_length=16, choices=Result.choices, blank=True)
    result_account = models.TextField(blank=True)
    money_to_recover = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    money_recovered = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    rectified = models.BooleanField(default=False)
    result_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    result_by_kind = models.CharField(max_length=32, blank=True)  # organisation kind that submitted
    result_at = models.DateTimeField(null=True)
    review_kind = models.CharField(max_length=16, choices=Review.choices, blank=True)
    dismissal_reason = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True)
    closed_periods = models.JSONField(default=list)  # the hit's periods when it was closed
    reopened_count = models.IntegerField(default=0)
    not_seen = models.BooleanField(default=False)  # its hit was not found by the latest run
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "level"]),
            models.Index(fields=["township_code", "region_code"]),
            models.Index(fields=["model"]),
            models.Index(fields=["-amount"]),
            models.Index(fields=["department", "status"]),
            models.Index(fields=["created_at"]),
            models.Index(fields=["updated_at"]),  # the console's filter menus are cached per last change
        ]

    def __str__(self) -> str:
        return f"alert #{self.pk} {self.model}"

    # Deadlines. `queries.overdue_q` and `queries.next_due` are the same rules in SQL.

    def due_now(self) -> dt.datetime | None:
        """The deadline the handler works to now: signing for a new alert (or its result deadline
        when it has none for signing), the result for one being verified; none after that."""
        if self.status == self.Status.NEW:
            return self.sign_due or self.result_due
        return self.result_due if self.status == self.Status.VERIFYING else None

    def sign_overdue(self, now: dt.datetime) -> bool:
        return bool(self.status == self.Status.NEW and self.sign_due and self.sign_due < now)

    def result_overdue(self, now: dt.datetime) -> bool:
        return bool(self.status in (self.Status.NEW, self.Status.VERIFYING) and self.result_due
                    and self.result_due < now)

    def is_overdue(self, now: dt.datetime) -> bool:
        return self.sign_overdue(now) or self.result_overdue(now)

    @property
    def colour(self) -> str:
        """Red = new, green = closed, yellow = in hand (a confirmed alert stays yellow until rectified)."""
        if self.status == self.Status.NEW:
            return "red"
        if self.status == self.Status.CLOSED:
            return "green"
        return "yellow"


class AlertEvent(models.Model):
    """The alert's timeline as people see it (the tamper-evident copy is in the audit trail)."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    kind = models.CharField(max_length=32)
    note = models.TextField(blank=True)
    detail = models.JSONField(default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.alert_id} {self.kind}"


class Attachment(models.Model):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    name = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class DeadlinePolicy(models.Model):
    """Working days to sign for and to submit a result, per level; county administrators edit it."""

    level = models.CharField(max_length=8, choices=LEVEL_CHOICES, unique=True)
    sign_days = models.PositiveSmallIntegerField(null=True, blank=True)  # null: no deadline
    result_days = models.PositiveSmallIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return self.level


class Talk(models.Model):
    """约谈: a formal talk the township commission holds with a village's cadres."""

    village_code = models.CharField(max_length=12)
    year = models.IntegerField()
    township = models.ForeignKey(Organisation, null=True, on_delete=models.PROTECT, related_name="+")
    high_alerts = models.IntegerField()
    medium_alerts = models.IntegerField()
    done = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["village_code", "year"], name="one_talk_per_village_year")]

    def __str__(self) -> str:
        return f"talk {self.village_code} {self.year}"


class Notification(models.Model):
    """In-app inbox; e-mail and webhooks are sent alongside (mingjing.alerts.notify)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.CASCADE)
    kind = models.CharField(max_length=32)  # assigned, escalated, returned, reopened, talk
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"
