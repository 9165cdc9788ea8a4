"""The self-lookup form. Every field is bounded; the ID number is shaped and checked like the
lake's (`lib/ids.py`): a malformed number is a form error, which reveals nothing about anybody."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mingjing.lib import ids

_LAST4 = re.compile(r"^\d{4}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_\-]{1,24}$")


class LookupForm(forms.Form):
    id_number = forms.CharField(label=_("ID number"), max_length=24, strip=True)
    name = forms.CharField(label=_("Name"), max_length=20, strip=True)
    account_last4 = forms.CharField(label=_("Last 4 digits of the account your payments go to"),
                                    max_length=4, min_length=4, strip=True)
    h = forms.CharField(max_length=24, required=False, widget=forms.HiddenInput)

    def clean_id_number(self) -> str:
        shaped = ids.normalise_id_number(self.cleaned_data["id_number"])
        if len(shaped.value) != 18 or not shaped.valid:
            raise forms.ValidationError(_("This is not a valid 18-digit ID number; please check it."))
        return shaped.value

    def clean_name(self) -> str:
        name = "".join(self.cleaned_data["name"].split())
        if not name or any(not (ch.isalpha() or ch in "·•・") for ch in name):
            raise forms.ValidationError(_("Enter your name as registered, in Chinese characters."))
        return name

    def clean_account_last4(self) -> str:
        value = self.cleaned_data["account_last4"]
        if not _LAST4.match(value):
            raise forms.ValidationError(_("Enter the last 4 digits of the account, digits only."))
        return value

    def clean_h(self) -> str:
        value: str = self.cleaned_data.get("h", "")
        return value if _TOKEN.match(value or "") else ""

    def kept(self) -> dict[str, Any]:
        """What to show again after an error: the name only (never the ID number or the digits)."""
        return {"name": str(self.data.get("name", ""))[:20]}
