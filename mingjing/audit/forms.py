"""The trail page's filters: bounded, so no input reaches the database unchecked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from mingjing.audit.queries import TrailFilter

# Outside these years a date is a typo (and year 1 or 9999 would overflow the time zone shift).
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2999, 12, 31)
_DATE_ERRORS = {"invalid": _("Enter a date as YYYY-MM-DD, e.g. 2026-01-31.")}
_DATE_BOUNDS = [
    MinValueValidator(EARLIEST, _("Enter a date between 2000-01-01 and 2999-12-31.")),
    MaxValueValidator(LATEST, _("Enter a date between 2000-01-01 and 2999-12-31.")),
]


def _date_field(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, input_formats=["%Y-%m-%d"], error_messages=_DATE_ERRORS,
        validators=_DATE_BOUNDS,
        # Text, not type=date: a browser's date box blanks a mistyped date instead of showing it.
        widget=forms.DateInput(attrs={"placeholder": "YYYY-MM-DD", "maxlength": 10}, format="%Y-%m-%d"),
    )


class TrailFilterForm(forms.Form):
    action = forms.CharField(
        label=_("Action"), required=False, max_length=64,
        widget=forms.TextInput(attrs={"placeholder": "alert."}),
        help_text=_("The beginning is enough: alert. finds every step of the alert loop."),
    )
    actor = forms.CharField(label=_("User name"), required=False, max_length=150)
    object_type = forms.CharField(
        label=_("Object type"), required=False, max_length=64,
        widget=forms.TextInput(attrs={"placeholder": "alerts.alert"}),
    )
    object_id = forms.CharField(label=_("Object ID"), required=False, max_length=64)
    since = _date_field(_("From"))
    until = _date_field(_("To"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date is before the start date."))
        return data

    def to_filter(self) -> TrailFilter:
        """The filter of a valid form (an unbound one filters nothing)."""
        data = self.cleaned_data if self.is_bound else {}
        return TrailFilter(
            action=data.get("action", ""), actor=data.get("actor", ""), object_type=data.get("object_type", ""),
            object_id=data.get("object_id", ""), since=data.get("since"), until=data.get("until"),
        )
