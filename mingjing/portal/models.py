"""The villager portal (码上监督): what villages publish, and what villagers are told.

Public pages read these without signing in; staff write them through `portal/*_actions.py`,
checked by `mingjing.accounts.policy` like every other kind of object. Payments themselves stay
in the lake: the portal reads them there (`portal/payments.py`), it never copies them here.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class DisclosureCategory(models.Model):
    """A heading of 三务公开: the built-in party, village and finance categories (`categories.py`,
    kept in step by `sync_categories` after every migrate) and the county's own "X" items."""

    class Section(models.TextChoices):
        PARTY = "party", _("party affairs")
        VILLAGE = "village", _("village affairs")
        FINANCE = "finance", _("finances")

    class Cadence(models.TextChoices):
        MONTHLY = "monthly", _("monthly")
        QUARTERLY = "quarterly", _("quarterly")
        YEARLY = "yearly", _("yearly")
        AS_NEEDED = "as_needed", _("as it happens")

    code = models.CharField(_("code"), max_length=32, unique=True)
    section = models.CharField(_("section"), max_length=16, choices=Section.choices)
    name = models.CharField(_("name"), max_length=64)
    basis = models.CharField(_("basis"), max_length=200, blank=True)
    cadence = models.CharField(_("cadence"), max_length=16, choices=Cadence.choices)
    # Published by this day of the month after the period ends (quarters: of the quarter's next
    # month); an item not published by then is overdue and becomes an alert (GK01).
    due_day = models.PositiveSmallIntegerField(_("due day"), default=20)
    builtin = models.BooleanField(default=False)  # from categories.py; the county adds the rest
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("disclosure category")
        verbose_name_plural = _("disclosure categories")
        ordering = ["section", "order", "code"]

    def __str__(self) -> str:
        return self.name


class Disclosure(models.Model):
    """One published item (or a draft of one). A correction is a new row in the same `series`
    with `version + 1`; the old row stays, marked superseded, and both stay readable."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("awaiting approval")
        RETURNED = "returned", _("returned")
        PUBLISHED = "published", _("published")
        SUPERSEDED = "superseded", _("corrected")  # published once, replaced by a later version

    village_code = models.CharField(_("village"), max_length=12, db_index=True)
    category = models.ForeignKey(DisclosureCategory, on_delete=models.PROTECT, related_name="disclosures")
    # The period covered: "2026-10" (a month), "2026Q3" (a quarter), "2026" (a year) or "" (ad hoc).
    period = models.CharField(_("period"), max_length=7, blank=True)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), blank=True)
    # A table imported from a sheet: {"columns": [...], "rows": [[...], ...]}, all text.
    table = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    series = models.UUIDField(db_index=True)  # every version of one item shares it
    version = models.PositiveIntegerField(default=1)
    change_note = models.TextField(_("what changed"), blank=True)  # a correction says what and why
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    return_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        ordering = ["-published_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["series", "version"], name="one_row_per_version")]
        indexes = [models.Index(fields=["village_code", "status", "category"])]

    def __str__(self) -> str:
        return self.title


class DisclosureAttachment(models.Model):
    """A file published with a disclosure (stored under MINGJING_HOME/portal/, generated name)."""

    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(max_length=120)  # the uploaded name, shown; never used as a path
    path = models.CharField(max_length=200)  # relative to the portal files folder
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.name


class ProgrammePolicy(models.Model):
    """The public policy text of one subsidy programme (政策清单), seeded from the `programs`
    dataset (code, name, department, standard) and written in plain words by the county."""

    program_code = models.CharField(_("programme code"), max_length=32, unique=True)
    name = models.CharField(_("programme"), max_length=64)
    department = models.CharField(_("department"), max_length=64, blank=True)
    basis = models.TextField(_("basis"), blank=True)  # the policy document
    standard = models.CharField(_("standard"), max_length=200, blank=True)
    cycle = models.CharField(_("payment cycle"), max_length=64, blank=True)
    eligibility = models.TextField(_("who is eligible"), blank=True)
    contact = models.CharField(_("whom to ask"), max_length=200, blank=True)
    published = models.BooleanField(_("published"), default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("programme policy")
        verbose_name_plural = _("programme policies")
        ordering = ["program_code"]

    def __str__(self) -> str:
        return self.name


class PowerItem(models.Model):
    """One matter of the micro-power list (小微权力清单): the county's basic list
    (`village_code` empty) or a village's own addition."""

    village_code = models.CharField(_("village"), max_length=12, blank=True, db_index=True)
    code = models.CharField(_("code"), max_length=16)
    title = models.CharField(_("matter"), max_length=80)
    category = models.CharField(_("category"), max_length=32, blank=True)
    basis = models.TextField(_("basis"), blank=True)
    responsible = models.CharField(_("responsible"), max_length=80)
    steps = models.JSONField(_("steps"), default=list)  # ["申请", "村两委联席会议商议", ...]
    order = models.PositiveIntegerField(default=0)
    active = models.BooleanField(_("active"), default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("micro-power matter")
        verbose_name_plural = _("micro-power list")
        ordering = ["village_code", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["village_code", "code"], name="one_power_item_per_code")]

    def __str__(self) -> str:
        return self.title


class Visit(models.Model):
    """Page views per village and day: a count, never an address or a device."""

    village_code = models.CharField(max_length=12)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["village_code", "day"], name="one_count_per_village_day")]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.village_code} {self.day}: {self.count}"


class HouseholdCode(models.Model):
    """户廉码: a random token printed on a household's slip. It leads to the village page with the
    household's lookup ready and reveals nothing by itself (the household number is not in it)."""

    token = models.CharField(max_length=24, unique=True)
    village_code = models.CharField(max_length=12, db_index=True)
    household_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["village_code", "household_id"], name="one_code_per_household")]

    def __str__(self) -> str:
        return f"{self.village_code}/{self.token}"


class LookupGuard(models.Model):
    """Failed self-lookups per ID number (keyed by a keyed hash of it, never the number): after
    `PORTAL_LOOKUP_FAILURES` the ID is locked for `PORTAL_LOOKUP_LOCK_MINUTES`."""

    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField(null=True)
    locked_until = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return self.key[:8]


class Subscription(models.Model):
    """绑定订阅: a villager told of new or missing payments to them, made after a successful lookup."""

    class Channel(models.TextChoices):
        SMS = "sms", _("text message")
        WECHAT = "wechat", _("WeChat")

    id_key = models.CharField(max_length=64, db_index=True)  # keyed hash of the ID number
    id_number = models.CharField(max_length=18)  # to find the person's payments; never shown
    village_code = models.CharField(max_length=12, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.SMS)
    address = models.CharField(max_length=64)  # phone number (SMS) or WeChat openid; shown masked
    unsubscribe_token = models.CharField(max_length=32, unique=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["id_key", "channel", "address"], name="one_subscription_per_address")]

    def __str__(self) -> str:
        return f"subscription #{self.pk}"


class OutboundMessage(models.Model):
    """A message to a subscriber. `dedupe_key` makes sending idempotent: a rerun of the same
    import never tells anybody twice. Without a configured gateway messages stay in the outbox."""

    class Status(models.TextChoices):
        OUTBOX = "outbox", _("kept in the outbox (no gateway configured)")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=16)  # new_payment, missing_payment, subscribed
    dedupe_key = models.CharField(max_length=200, unique=True)
    text = models.TextField()
    status = models.CharField(max_length=8, choices=Status.choices)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"message #{self.pk} {self.kind}"


class LookupPass(models.Model):
    """Proof of a successful self-lookup for a short while, so that the villager can subscribe
    without typing the ID number again and without it ever being written into the page: the page
    carries only this random token (`portal/passes.py`)."""

    token = models.CharField(max_length=43, unique=True)
    id_number = models.CharField(max_length=18)
    village_code = models.CharField(max_length=12)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"pass until {self.expires_at}"
