"""Organisations and who belongs to them: the basis of every jurisdiction check."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    """A county commission, a township commission, a county department, or a village.

    Commissions and villages sit at a node of the region tree (`region_code`, 12 digits);
    departments are county-wide and are matched to rules and programmes by `department` name.
    """

    class Kind(models.TextChoices):
        COUNTY_COMMISSION = "county_commission", _("county commission")
        TOWNSHIP_COMMISSION = "township_commission", _("township commission")
        DEPARTMENT = "department", _("department")
        VILLAGE = "village", _("village")

    kind = models.CharField(max_length=32, choices=Kind.choices)
    name = models.CharField(max_length=128)
    region_code = models.CharField(max_length=12, blank=True)  # county / township / village code
    department = models.CharField(max_length=64, blank=True)  # e.g. 民政局, for departments

    class Meta:
        ordering = ["kind", "region_code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "region_code", "department"], name="one_organisation_per_node")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def township_code(self) -> str:
        return self.region_code[:9] + "000" if self.region_code else ""


class Membership(models.Model):
    """A staff account's organisation (one each) and whether it administers the county."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="members")
    is_county_admin = models.BooleanField(default=False)  # may change deadlines and settings

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"
