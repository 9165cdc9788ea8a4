"""Organisations and who belongs to them: the basis of every jurisdiction check."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mingjing.lib import regions


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

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=128)
    region_code = models.CharField(_("region code"), max_length=12, blank=True)  # county / township / village
    department = models.CharField(_("department"), max_length=64, blank=True)  # e.g. 民政局, for departments

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "region_code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "region_code", "department"], name="one_organisation_per_node")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def township_code(self) -> str:
        return regions.township_of(self.region_code)


class Role(models.TextChoices):
    """What a staff member does in their organisation. What each role may see and do is decided
    in `mingjing.accounts.policy` and nowhere else."""

    COUNTY_ADMIN = "county_admin", _("county commission administrator")
    COUNTY_ANALYST = "county_analyst", _("county commission analyst")
    TOWNSHIP_OFFICER = "township_officer", _("township commission officer")
    DEPARTMENT_OFFICER = "department_officer", _("department officer")
    VILLAGE_BOOKKEEPER = "village_bookkeeper", _("village bookkeeper")
    VILLAGE_SECRETARY = "village_secretary", _("village party secretary")
    VILLAGE_SUPERVISOR = "village_supervisor", _("village supervision committee chair")
    VILLAGE_MEMBER = "village_member", _("village committee member")


# The organisation kind each role belongs to: a role outside its kind is refused.
ROLE_KIND: dict[str, str] = {
    Role.COUNTY_ADMIN: Organisation.Kind.COUNTY_COMMISSION,
    Role.COUNTY_ANALYST: Organisation.Kind.COUNTY_COMMISSION,
    Role.TOWNSHIP_OFFICER: Organisation.Kind.TOWNSHIP_COMMISSION,
    Role.DEPARTMENT_OFFICER: Organisation.Kind.DEPARTMENT,
    Role.VILLAGE_BOOKKEEPER: Organisation.Kind.VILLAGE,
    Role.VILLAGE_SECRETARY: Organisation.Kind.VILLAGE,
    Role.VILLAGE_SUPERVISOR: Organisation.Kind.VILLAGE,
    Role.VILLAGE_MEMBER: Organisation.Kind.VILLAGE,
}


class Membership(models.Model):
    """A staff account's organisation (one each) and its role there."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership", verbose_name=_("account")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="members", verbose_name=_("organisation")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    # Set for accounts given a one-time password (staff import): changed at first sign-in.
    must_change_password = models.BooleanField(_("must change password"), default=False)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        expected = ROLE_KIND.get(self.role)
        if self.organisation_id and expected and self.organisation.kind != expected:
            raise ValidationError({"role": _("This role does not belong to this kind of organisation.")})
