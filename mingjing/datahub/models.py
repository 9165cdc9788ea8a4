from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mingjing.datahub.contract import DATASETS

DATASET_CHOICES = [(name, f"{d.title} ({name})") for name, d in DATASETS.items()]


class Batch(models.Model):
    """One imported file: immutable once active. A dataset's content is its active batches."""

    class Status(models.TextChoices):
        PENDING = "pending", _("queued")
        RUNNING = "running", _("importing")
        ACTIVE = "active", _("active")
        FAILED = "failed", _("failed")
        SUPERSEDED = "superseded", _("superseded")
        RETRACTED = "retracted", _("retracted")

    dataset = models.CharField(max_length=32, choices=DATASET_CHOICES)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    source_name = models.CharField(max_length=255)
    source_sha256 = models.CharField(max_length=64, db_index=True)
    source_size = models.BigIntegerField(default=0)
    sheet = models.CharField(max_length=255, blank=True)
    force = models.BooleanField(default=False)
    replace = models.BooleanField(default=False)

    file_format = models.CharField(max_length=8, blank=True)
    encoding = models.CharField(max_length=16, blank=True)
    header_row = models.IntegerField(null=True)
    header_map = models.JSONField(default=dict)  # file header -> canonical column
    ignored_headers = models.JSONField(default=list)
    rows_read = models.BigIntegerField(default=0)
    rows_loaded = models.BigIntegerField(default=0)
    rows_rejected = models.BigIntegerField(default=0)
    blank_rows = models.BigIntegerField(default=0)
    rows_done = models.BigIntegerField(default=0)  # progress while running
    normalised = models.JSONField(default=dict)  # kind of normalisation -> rows
    rejects_by_reason = models.JSONField(default=dict)
    error_code = models.CharField(max_length=32, blank=True)
    error = models.TextField(blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The department (or commission) that delivered the file: it and the county may retract the
    # batch and read its rejects and original. None: imported by the county (command line).
    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="superseded"
    )
    retracted_at = models.DateTimeField(null=True)
    retracted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["dataset", "status"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.dataset} {self.source_name}"

    @property
    def title(self) -> str:
        return DATASETS[self.dataset].title

    @property
    def is_finished(self) -> bool:
        return self.status not in (self.Status.PENDING, self.Status.RUNNING)

    def report(self) -> dict[str, object]:
        """The batch report as the CLI's --json prints it."""
        from mingjing.datahub import lake

        return {
            "batch_id": self.pk,
            "dataset": self.dataset,
            "status": self.status,
            "source_name": self.source_name,
            "source_sha256": self.source_sha256,
            "format": self.file_format,
            "encoding": self.encoding,
            "sheet": self.sheet or None,
            "header_row": self.header_row,
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected,
            "blank_rows": self.blank_rows,
            "rejects_file": str(lake.rejects_path(self.pk)) if self.rows_rejected else None,
            "rejects_by_reason": self.rejects_by_reason,
            "normalised": self.normalised,
            "ignored_headers": self.ignored_headers,
            "header_map": self.header_map,
            "error_code": self.error_code or None,
            "error": self.error or None,
        }
