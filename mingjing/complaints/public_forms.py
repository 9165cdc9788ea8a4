"""The villager's forms of 监督一点通: filing, the tracking code, adding information, rating.

Every field is bounded here with a message a villager understands; the actions check the same
limits again (`actions.MAX_TEXT`, ...) and have the last word. Photos are not a form field: they
come from `request.FILES` and are judged by `check_uploads` before any of them is read.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mingjing.complaints import actions
from mingjing.complaints.models import CATEGORY_CHOICES, Complaint
from mingjing.lib import photos

# What separates the names in the one "people concerned" box: 、，, ; ； and any space.
_NAME_SEPARATORS = re.compile(r"[、，,;；\s]+")
MAX_COMMENT = 500  # the rating's comment (actions.do_rate's limit)
MAX_PASS = 200  # a signed pass (`lookup.issue_pass`) is about 60 characters
MAX_CODE = 40  # what the code box takes: the code, with spaces and dashes however typed

IDENTITY_CHOICES = [
    ("anonymous", gettext_lazy("Anonymous")),
    ("named", gettext_lazy("With my name and mobile number")),
]
RATING_CHOICES = [
    (Complaint.Rating.SATISFIED.value, gettext_lazy("Satisfied")),
    (Complaint.Rating.NOT_RESOLVED.value, gettext_lazy("Not resolved")),
]


def _text_errors(required: Any = None) -> dict[str, Any]:
    """Django's messages for a text field, in the villager's words."""
    errors = {"max_length": gettext_lazy("At most %(limit_value)d characters (you wrote %(show_value)d).")}
    return {**errors, "required": required} if required else errors


def split_names(value: str) -> list[str]:
    """The names in the one box, in order, each once."""
    found: list[str] = []
    for name in _NAME_SEPARATORS.split(value or ""):
        if name and name not in found:
            found.append(name)
    return found


class FilingForm(forms.Form):
    channel = forms.ChoiceField(choices=Complaint.Channel.choices, widget=forms.HiddenInput)
    category = forms.ChoiceField(
        label=gettext_lazy("What is it about"), required=False,
        choices=[("", gettext_lazy("Not sure"))] + [(k, v) for k, v in CATEGORY_CHOICES],
    )
    text = forms.CharField(
        label=gettext_lazy("What happened"), max_length=actions.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 7}),
        error_messages=_text_errors(gettext_lazy("Please write what happened.")),
    )
    people = forms.CharField(
        label=gettext_lazy("People concerned (optional)"), required=False,
        max_length=actions.MAX_PEOPLE * (actions.MAX_NAME + 2),
        error_messages=_text_errors(),
    )
    project = forms.CharField(label=gettext_lazy("Project concerned (optional)"), required=False,
                              max_length=actions.MAX_PROJECT, error_messages=_text_errors())
    identity = forms.ChoiceField(label=gettext_lazy("Who is filing"), choices=IDENTITY_CHOICES,
                                 widget=forms.RadioSelect, initial="anonymous")
    contact_name = forms.CharField(label=gettext_lazy("Your name"), required=False, max_length=30,
                                   error_messages=_text_errors())
    contact_phone = forms.CharField(label=gettext_lazy("Your mobile number"), required=False, max_length=20,
                                    error_messages=_text_errors(),
                                    widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric"}))

    def clean_people(self) -> list[str]:
        names = split_names(self.cleaned_data.get("people", ""))
        long = [n for n in names if len(n) > actions.MAX_NAME]
        if long:
            raise forms.ValidationError(_("A name is at most %(limit)d characters: “%(name)s…”.")
                                        % {"limit": actions.MAX_NAME, "name": long[0][: actions.MAX_NAME]})
        if len(names) > actions.MAX_PEOPLE:
            raise forms.ValidationError(_("At most %(limit)d people (you wrote %(count)d).")
                                        % {"limit": actions.MAX_PEOPLE, "count": len(names)})
        return names

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("identity") == "named":
            if not data.get("contact_name", "").strip():
                self.add_error("contact_name", _("Enter your name, or choose to file anonymously."))
            if not data.get("contact_phone", "").strip():
                self.add_error("contact_phone", _("Enter your mobile number, or choose to file anonymously."))
        return data

    @property
    def anonymous(self) -> bool:
        return self.cleaned_data.get("identity") != "named"


def check_uploads(uploads: list[UploadedFile]) -> str:
    """Why the photos cannot be taken ("" when they can), judged on the count and each file's
    size as Django counted it while saving the upload: nothing is read yet."""
    if len(uploads) > actions.MAX_PHOTOS:
        return _("At most %(limit)d photos (you chose %(count)d).") % {
            "limit": actions.MAX_PHOTOS, "count": len(uploads)}
    for number, upload in enumerate(uploads, start=1):
        if (upload.size or 0) > photos.MAX_BYTES:
            return _("Photo %(number)d is larger than %(limit)d MB.") % {
                "number": number, "limit": photos.MAX_BYTES // (1024 * 1024)}
    return ""


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Tracking code"), max_length=MAX_CODE,
                           error_messages=_text_errors(gettext_lazy("Enter the tracking code.")))


class _WithPass(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # `pass` is a keyword in Python: the field is added under its form name.
        self.fields["pass"] = forms.CharField(max_length=MAX_PASS, widget=forms.HiddenInput)


class AddInformationForm(_WithPass):
    text = forms.CharField(
        label=gettext_lazy("What to add"), max_length=actions.MAX_TEXT, widget=forms.Textarea(attrs={"rows": 5}),
        error_messages=_text_errors(gettext_lazy("Please write what you want to add.")),
    )


class RateForm(_WithPass):
    rating = forms.ChoiceField(label=gettext_lazy("Your rating"), choices=RATING_CHOICES, widget=forms.RadioSelect,
                               error_messages={"required": gettext_lazy("Choose satisfied or not resolved.")})
    comment = forms.CharField(label=gettext_lazy("Comment (optional)"), required=False, max_length=MAX_COMMENT,
                              widget=forms.Textarea(attrs={"rows": 3}), error_messages=_text_errors())
