from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

LEVEL_CHOICES = [("high", _("high")), ("medium", _("medium")), ("low", _("low"))]


class ModelSetting(models.Model):
    """A county's choices for one problem model: on or off, and parameter overrides."""

    code = models.CharField(max_length=32, unique=True)
    enabled = models.BooleanField(default=True)
    params = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.code


class Run(models.Model):
    """One detection run over a pinned snapshot of the lake."""

    class Status(models.TextChoices):
        PENDING = "pending", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    engine = models.CharField(max_length=16, default="duckdb")
    requested_models = models.JSONField(default=list)  # empty: every enabled model
    param_overrides = models.JSONField(default=dict, encoder=DjangoJSONEncoder)  # given for this run
    params = models.JSONField(default=dict, encoder=DjangoJSONEncoder)  # effective, per model
    snapshot = models.JSONField(default=dict)  # dataset -> active batch ids, pinned at start
    models_total = models.IntegerField(default=0)
    models_done = models.IntegerField(default=0)
    hits_total = models.IntegerField(default=0)
    hits_new = models.IntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"run #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class RunModel(models.Model):
    """What one model did in one run: coverage and sanity figures."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="model_results")
    code = models.CharField(max_length=32)
    examined = models.BigIntegerField(default=0)
    rows = models.BigIntegerField(default=0)
    hits = models.IntegerField(default=0)
    new_hits = models.IntegerField(default=0)
    seconds = models.FloatField(default=0)
    parameters = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    warning = models.TextField(blank=True)

    class Meta:
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["run", "code"], name="one_result_per_model_per_run")]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.code}"


class Hit(models.Model):
    """A point to verify (疑点), one per fingerprint: reruns update it, never duplicate it."""

    fingerprint = models.CharField(max_length=64, unique=True)
    model = models.CharField(max_length=32)
    rule_id = models.CharField(max_length=36)
    version = models.IntegerField()
    level = models.CharField(max_length=8, choices=LEVEL_CHOICES)
    key = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    department = models.CharField(max_length=64, blank=True)
    id_number = models.CharField(max_length=32, blank=True, db_index=True)
    name = models.CharField(max_length=64, blank=True)
    region_code = models.CharField(max_length=12, blank=True)
    township_code = models.CharField(max_length=12, blank=True)
    program_code = models.CharField(max_length=32, blank=True)
    account_no = models.CharField(max_length=64, blank=True)
    periods = models.JSONField(default=list)  # ["2024-03", ...]
    first_period = models.DateField(null=True)
    last_period = models.DateField(null=True)
    period_count = models.IntegerField(default=0)
    amount = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    observed = models.TextField(blank=True)
    explanation = models.TextField()
    values = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    evidence = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    first_run = models.ForeignKey(Run, on_delete=models.PROTECT, related_name="+")
    last_run = models.ForeignKey(Run, on_delete=models.PROTECT, related_name="+")  # last run that found it
    seen_in_latest = models.BooleanField(default=True)  # false: not found by the model's latest run
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-amount", "id"]
        indexes = [
            models.Index(fields=["model", "level"]),
            models.Index(fields=["township_code", "region_code"]),
            models.Index(fields=["program_code"]),
            models.Index(fields=["-amount"]),
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.fingerprint[:8]}"
