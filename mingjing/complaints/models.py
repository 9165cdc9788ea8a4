"""监督一点通: complaints and tip-offs from villagers, and public questions to village cadres.

Two channels with two visibility regimes (workflow.md, "Complaint lifecycle"): a complaint is about
a public matter and may be answered in public once moderated; a tip-off (举报) is about a person's
conduct, is never public, and is read only by the discipline-commission staff it is routed to.
Who sees and does what is decided in `mingjing.accounts.policy` (`complaints_for`,
`complaint_actions`); every write is an action in `complaints/actions.py`.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from mingjing.accounts.models import Organisation

CATEGORY_CHOICES = [
    ("project", _("projects")),  # 工程
    ("assets", _("collective assets")),  # 三资
    ("welfare", _("assistance and subsidies")),  # 低保/补贴
    ("labour", _("labour")),  # 用工
    ("openness", _("party and village openness")),  # 党务/村务公开
    ("conduct", _("conduct")),  # 作风
    ("other", _("other")),  # 其他
]


class Complaint(models.Model):
    class Channel(models.TextChoices):
        COMPLAINT = "complaint", _("complaint")
        TIPOFF = "tipoff", _("tip-off")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")  # waiting to be accepted by the commission
        ACCEPTED = "accepted", _("being handled")  # accepted and routed to its handler
        UNDER_REVIEW = "under_review", _("answer under review")  # a second answer, reviewed above
        ANSWERED = "answered", _("answered")  # waiting for the villager's rating
        CLOSED = "closed", _("closed")
        REJECTED = "rejected", _("not accepted")
        TRANSFERRED = "transferred", _("transferred")  # to 12345 or another body

    class Rating(models.TextChoices):
        SATISFIED = "satisfied", _("satisfied")
        NOT_RESOLVED = "not_resolved", _("not resolved")

    # The tracking code: `reference` is public (short, unique); the secret part is stored only
    # as a slow salted hash (`codes.py`).
    reference = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=200)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    village_code = models.CharField(max_length=12)
    township_code = models.CharField(max_length=12)
    text = models.TextField()
    people = models.JSONField(default=list)  # names of the people concerned, as the villager wrote them
    people_text = models.TextField(blank=True)  # the same as ",name,name,": one portable LIKE finds repeats
    project = models.CharField(max_length=100, blank=True)
    anonymous = models.BooleanField(default=True)
    contact_name = models.CharField(max_length=30, blank=True)
    contact_phone = models.CharField(max_length=20, blank=True)
    # Triage: the suggestion from the text, and the category staff confirmed (the training data).
    suggested_category = models.CharField(max_length=16, choices=CATEGORY_CHOICES, blank=True)
    category = models.CharField(max_length=16, choices=CATEGORY_CHOICES, blank=True)
    category_confirmed_at = models.DateTimeField(null=True, blank=True)
    # Routing. `triage` is the commission that accepts it (the township commission of the village,
    # or the county when recusal rules the township out); `handler` answers it once accepted.
    triage = models.ForeignKey(Organisation, null=True, on_delete=models.PROTECT, related_name="+")
    handler = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    escalated_to = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    escalated_for = models.CharField(max_length=16, blank=True)  # the overdue stage last escalated: accept, answer0, answer1
    # Organisations that must never see it (a named person is a member or a member's relative), as
    # ",id,id,": one portable LIKE on SQLite and PostgreSQL, as `Alert.conflict_villages`.
    excluded_orgs = models.TextField(blank=True)
    accept_due = models.DateTimeField(null=True)
    answer_due = models.DateTimeField(null=True)
    rate_due = models.DateTimeField(null=True)
    extended = models.BooleanField(default=False)
    accepted_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(blank=True)
    answer_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    reject_reason = models.TextField(blank=True)
    transfer_body = models.CharField(max_length=64, blank=True)
    transfer_token_hash = models.CharField(max_length=64, blank=True)  # sha256 of the callback token
    reopened_count = models.PositiveSmallIntegerField(default=0)
    rating = models.CharField(max_length=16, choices=Rating.choices, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    # Public answer (complaints only): the text and answer with people's names redacted, shown on
    # the village page once a commission officer publishes it.
    public_text = models.TextField(blank=True)
    public_answer = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Repeats: complaints about the same village (same category) or person within a period.
    repeat_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    repeat_flagged = models.BooleanField(default=False)  # the group reached the threshold: county told
    alert = models.ForeignKey("alerts.Alert", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "channel"]),
            models.Index(fields=["township_code", "village_code"]),
            models.Index(fields=["triage", "status"]),
            models.Index(fields=["handler", "status"]),
            models.Index(fields=["created_at"]),
            # Repeats within a period: by village, by township (`actions._group_repeats`).
            models.Index(fields=["village_code", "created_at"]),
            models.Index(fields=["township_code", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_tipoff(self) -> bool:
        return self.channel == self.Channel.TIPOFF

    def due_now(self) -> dt.datetime | None:
        """The deadline being worked to: accepting a submitted one, answering an accepted one.
        `queries.overdue_q` is the same rule in SQL."""
        if self.status == self.Status.SUBMITTED:
            return self.accept_due
        if self.status == self.Status.ACCEPTED:
            return self.answer_due
        return None

    def is_overdue(self, now: dt.datetime) -> bool:
        due = self.due_now()
        return bool(due and due < now)

    @property
    def colour(self) -> str:
        return STATUS_COLOUR[self.status]


# Red: waiting to be accepted; yellow: in hand; green: answered, closed, or passed on. The one
# statement of the colours: lists, filters, the cockpit and the API read it.
STATUS_COLOUR: dict[str, str] = {
    Complaint.Status.SUBMITTED: "red",
    Complaint.Status.ACCEPTED: "yellow",
    Complaint.Status.UNDER_REVIEW: "yellow",
    Complaint.Status.ANSWERED: "green",
    Complaint.Status.CLOSED: "green",
    Complaint.Status.REJECTED: "green",
    Complaint.Status.TRANSFERRED: "green",
}


class ComplaintEvent(models.Model):
    """The complaint's timeline (the tamper-evident copy is in the audit trail). `public` events
    are the ones the villager sees with the tracking code (no staff names, no internal notes)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    kind = models.CharField(max_length=32)
    note = models.TextField(blank=True)
    public = models.BooleanField(default=False)
    detail = models.JSONField(default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind}"


class ComplaintPhoto(models.Model):
    """A photo sent with a complaint or added later. `shown` is re-encoded without EXIF (GPS
    included); a tip-off's `original` bytes are kept for the assigned staff only."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="photos")
    shown = models.FileField(upload_to="complaints/%Y/%m/")
    original = models.FileField(upload_to="complaints/originals/%Y/%m/", blank=True)
    content_type = models.CharField(max_length=32)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    added_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"photo {self.pk} of {self.complaint_id}"


class LookupFailure(models.Model):
    """Back-off for status lookups per reference and client: failures in a row and until when
    it is locked. `key` is the reference (public anyway) and a keyed hash of the client's
    address, so a stranger who knows a reference cannot lock its filer out."""

    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.key


class Question(models.Model):
    """公开质询: a villager's question to the village's cadres; public once moderated, with the
    cadres' answer. Unanswered questions turn yellow, then red (`questions.colour`)."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("awaiting moderation")
        PUBLISHED = "published", _("published")
        ANSWERED = "answered", _("answered")
        REJECTED = "rejected", _("not published")

    village_code = models.CharField(max_length=12)
    text = models.TextField()
    asker = models.CharField(max_length=20, blank=True)  # a name or nickname the villager chose
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    reject_reason = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_role = models.CharField(max_length=32, blank=True)  # the answerer's role then (pages show it, not a name)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["village_code", "status"])]

    def __str__(self) -> str:
        return f"question {self.pk}"
