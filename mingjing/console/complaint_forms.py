"""Forms of the complaint pages (投诉管理): the list's filters and one form per action.

Forms parse and bound the input (lengths, day counts, choices offered to this complaint); who may
act, and in which state, is decided by the actions (`policy.complaint_actions`), which also judge
the input again under the row lock.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from mingjing.accounts.models import Organisation
from mingjing.complaints import actions, queries, routing
from mingjing.complaints.models import CATEGORY_CHOICES, Complaint
from mingjing.complaints.queries import ComplaintFilter

REGION = r"^\d{12}$"
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)
REASON_MAX = 1000  # as the actions' reasons


def _any(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


def _text(label: Any, limit: int, *, required: bool = True, rows: int = 3, help_text: Any = "") -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=limit, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": rows, "maxlength": limit}))


class ComplaintFilterForm(forms.Form):
    """The list's filters, read from the query string. A value that does not parse is left out
    (the list then shows more, never an error page)."""

    channel = forms.ChoiceField(label=_("Channel"), required=False,
                                choices=_any(_("Complaints and tip-offs")) + Complaint.Channel.choices)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_any(_("Any status")) + Complaint.Status.choices)
    colour = forms.ChoiceField(label=_("Colour"), required=False, choices=[
        *_any(_("Any colour")), ("red", _("Red: awaiting acceptance")), ("yellow", _("Yellow: in hand")),
        ("green", _("Green: done"))])
    category = forms.ChoiceField(label=_("Category"), required=False, choices=_any(_("Any category")) + CATEGORY_CHOICES)
    township = forms.RegexField(label=_("Township"), regex=REGION, required=False, max_length=12, widget=forms.Select)
    village = forms.RegexField(label=_("Village"), regex=REGION, required=False, max_length=12, widget=forms.Select)
    since = forms.DateField(label=_("Filed from"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    until = forms.DateField(label=_("Filed until"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    repeat = forms.BooleanField(label=_("Repeat complaints only"), required=False)
    mine = forms.BooleanField(label=_("My tasks only"), required=False)

    def __init__(self, data: Any, *, choices: dict[str, list[str]], names: dict[str, str]) -> None:
        super().__init__(data)
        for field in ("township", "village"):  # a value from a link stays visible in its menu
            value = self.data.get(field) if self.is_bound else None
            options = list(choices[field + "s"])
            if isinstance(value, str) and len(value) == 12 and value.isdigit() and value not in options:
                options.append(value)
            any_label = _("Any township") if field == "township" else _("Any village")
            self.fields[field].widget.choices = _any(any_label) + [  # type: ignore[attr-defined]
                (code, names.get(code, code)) for code in options]

    def clean_since(self) -> dt.date | None:
        return self._bounded(self.cleaned_data.get("since"))

    def clean_until(self) -> dt.date | None:
        return self._bounded(self.cleaned_data.get("until"))

    @staticmethod
    def _bounded(day: dt.date | None) -> dt.date | None:
        if day is not None and not EARLIEST <= day <= LATEST:
            raise forms.ValidationError(_("Choose a date between 2000 and 2100."))
        return day

    def to_filter(self) -> ComplaintFilter:
        """The valid filters; a field with a bad value is left out (and shows its error)."""
        errors = set(self.errors) if self.is_bound else set()  # runs the validation
        data = self.cleaned_data if self.is_bound else {}

        def value(name: str) -> Any:
            return None if name in errors else data.get(name)

        township, village = value("township") or "", value("village") or ""
        if township and village and village[:9] != township[:9]:
            village = ""  # the township changed: a village of another township no longer applies
        since, until = value("since"), value("until")
        if since and until and since > until:
            since, until = until, since
        return ComplaintFilter(
            channel=value("channel") or "", status=value("status") or "", colour=value("colour") or "",
            category=value("category") or "", township=township, village=village,
            overdue=bool(value("overdue")), repeat=bool(value("repeat")), since=since, until=until,
            mine=bool(value("mine")),
        )


# -- the actions ----------------------------------------------------------------------------------


class ActionForm(forms.Form):
    """An action's form for one complaint: what it parsed, as the action's keyword arguments."""

    def __init__(self, *args: Any, complaint: Complaint, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.complaint = complaint

    def action_kwargs(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


def _category_field(label: Any = None) -> forms.ChoiceField:
    return forms.ChoiceField(label=label or _("Category"), choices=CATEGORY_CHOICES)


def default_handler(complaint: Complaint, category: str, choices: list[Organisation]) -> Organisation | None:
    """Who answers by default: welfare → the civil affairs bureau (民政局); projects, assets,
    labour and openness → the village; conduct and other → the township commission. A tip-off
    always goes to a commission. Only among `choices` (recusal applied); the county commission
    when the township commission is ruled out."""
    def first(**where: str) -> Organisation | None:
        return next((o for o in choices if all(getattr(o, k) == v for k, v in where.items())), None)

    township = first(kind=Organisation.Kind.TOWNSHIP_COMMISSION) or first(kind=Organisation.Kind.COUNTY_COMMISSION)
    if complaint.is_tipoff:
        return township
    if category == "welfare":
        return first(kind=Organisation.Kind.DEPARTMENT, department="民政局") or township
    if category in ("project", "assets", "labour", "openness"):
        return first(kind=Organisation.Kind.VILLAGE, region_code=complaint.village_code) or township
    return township


class _HandlerChoice(ActionForm):
    """A handler among `routing.handler_choices` (recusal applied), by id."""

    handler = forms.TypedChoiceField(label=_("Handled by"), coerce=int)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.handlers = {o.pk: o for o in routing.handler_choices(self.complaint)}
        self.fields["handler"].choices = [  # type: ignore[attr-defined]
            (pk, o.name) for pk, o in self.handlers.items()]

    def chosen_handler(self) -> Organisation:
        return self.handlers[self.cleaned_data["handler"]]


class AcceptForm(_HandlerChoice):
    """Accept (受理) and route (分办): the category confirmed, the handler chosen. Left on "by
    category", the handler is the category's default (`default_handler`)."""

    category = _category_field()
    handler = forms.TypedChoiceField(label=_("Handled by"), coerce=int, required=False, empty_value=None)
    note = _text(_("Note to the villager (shown with the tracking code)"), REASON_MAX, required=False, rows=2)
    field_order = ["category", "handler", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        automatic = (_("By default: the discipline commission") if self.complaint.is_tipoff else
                     _("By category: projects, assets, labour, openness → the village; assistance → 民政局; "
                       "conduct, other → the township commission"))
        self.fields["handler"].choices = [("", automatic), *self.fields["handler"].choices]  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial["category"] = self.complaint.category or self.complaint.suggested_category

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("category") and not data.get("handler"):
            chosen = default_handler(self.complaint, data["category"], list(self.handlers.values()))
            if chosen is None:
                self.add_error("handler", _("No default handler for this category: choose one."))
            else:
                data["handler"] = chosen.pk
        return data

    def action_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"category": d["category"], "handler": self.chosen_handler(), "note": d["note"]}


class CategoriseForm(ActionForm):
    category = _category_field(_("Confirmed category"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["category"] = self.complaint.category or self.complaint.suggested_category


class RejectForm(ActionForm):
    reason = _text(_("Reason (the villager reads it)"), REASON_MAX)


class TransferForm(ActionForm):
    body = forms.ChoiceField(label=_("Transfer to"))
    reason = _text(_("Reason"), REASON_MAX)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].choices = [(b, b) for b in transfer_bodies()]  # type: ignore[attr-defined]


def transfer_bodies() -> list[str]:
    """The bodies a complaint may be transferred to (`MINGJING_TRANSFER_WEBHOOKS`)."""
    return sorted(settings.COMPLAINT_TRANSFER_WEBHOOKS)


class RecordTransferAnswerForm(ActionForm):
    answer = _text(_("The answer of the other body"), actions.MAX_TEXT, rows=4)
    handled_by = forms.CharField(label=_("Handled by (body)"), required=False, max_length=64)


class ReassignForm(_HandlerChoice):
    reason = _text(_("Reason"), REASON_MAX)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["handler"] = self.complaint.handler_id

    def action_kwargs(self) -> dict[str, Any]:
        return {"handler": self.chosen_handler(), "reason": self.cleaned_data["reason"]}


class ExtendForm(ActionForm):
    days = forms.IntegerField(label=_("Working days"), min_value=1, max_value=actions.MAX_EXTENSION_DAYS,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    reason = _text(_("Reason (the villager reads it)"), REASON_MAX)


class AnswerForm(ActionForm):
    answer = _text(_("Answer"), actions.MAX_TEXT, rows=5)
    public_answer = _text(
        _("Public version of the answer"), actions.MAX_TEXT, required=False, rows=4,
        help_text=_("Shown on the village page if the commission publishes it: write people's names as "
                    "surname + 某 (张某), and no ID, account or phone numbers."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.complaint.is_tipoff:  # a tip-off is never public
            del self.fields["public_answer"]
        if not self.is_bound and self.complaint.answer:  # a second answer starts from the first
            self.initial["answer"] = self.complaint.answer
            self.initial["public_answer"] = self.complaint.public_answer or queries.redact_names(
                self.complaint.answer, self.complaint.people)

    def action_kwargs(self) -> dict[str, Any]:
        return {"answer": self.cleaned_data["answer"], "public_answer": self.cleaned_data.get("public_answer", "")}


class ReviewForm(ActionForm):
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect,
                                 choices=[("approve", _("Approve: the villager reads the answer")),
                                          ("return", _("Return to the handler"))])
    note = _text(_("Note (required when returning)"), REASON_MAX, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "return" and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why the answer goes back."))
        return data

    def action_kwargs(self) -> dict[str, Any]:
        return {"approve": self.cleaned_data["decision"] == "approve", "note": self.cleaned_data["note"]}


class PublishForm(ActionForm):
    public_text = _text(_("Public text of the complaint"), actions.MAX_TEXT, rows=4)
    public_answer = _text(_("Public answer"), actions.MAX_TEXT, rows=4)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            people = self.complaint.people
            self.initial["public_text"] = queries.redact_names(self.complaint.text, people)
            self.initial["public_answer"] = queries.redact_names(
                self.complaint.public_answer or self.complaint.answer, people)


class NoteForm(ActionForm):
    note = _text(_("Note (staff only)"), actions.MAX_TEXT)


class OpenAlertForm(ActionForm):
    level = forms.ChoiceField(label=_("Level"), initial="medium",
                              choices=[("high", _("high")), ("medium", _("medium")), ("low", _("low"))])
