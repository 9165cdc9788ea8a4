"""Forms of the disclosure console pages: bounded fields; the actions judge the rest (periods,
identifiers in text, file contents) and their errors are shown on the form, input kept."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mingjing.portal import disclosures as d
from mingjing.portal.models import DisclosureCategory

SENSITIVE_HELP = _("Public pages: never put ID numbers, bank account numbers or phone numbers in the text or "
                   "tables; they are refused. Names are shown with the surname only.")


def category_choices() -> list[Any]:
    """Active categories grouped by section, in the order of the public pages."""
    rows = DisclosureCategory.objects.filter(active=True).order_by("order", "code")
    groups: list[Any] = [("", "---------")]
    for section, label in DisclosureCategory.Section.choices:
        options = [(c.pk, f"{c.code} {c.name}") for c in rows if c.section == section]
        if options:
            groups.append((label, options))
    return groups


class DraftForm(forms.Form):
    category = forms.TypedChoiceField(label=_("category"), coerce=int, choices=[])
    period = forms.CharField(label=_("period"), max_length=16, required=False,
                             help_text=_("A month (2026-10), a quarter (2026Q3) or a year (2026); empty for items "
                                         "published as they happen."))
    title = forms.CharField(label=_("title"), max_length=d.MAX_TITLE)
    body = forms.CharField(label=_("text"), max_length=d.MAX_BODY, required=False,
                           widget=forms.Textarea(attrs={"rows": 8}), help_text=SENSITIVE_HELP)

    def __init__(self, *args: Any, village_choices: list[tuple[str, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        assert isinstance(category, forms.TypedChoiceField)
        category.choices = category_choices()
        if village_choices is not None:
            self.fields["village"] = forms.ChoiceField(label=_("village"), choices=village_choices)
            self.order_fields(["village", "category", "period", "title", "body"])


class EditForm(DraftForm):
    """A draft's text (the category of a correction stays its series')."""


class CorrectionForm(forms.Form):
    change_note = forms.CharField(label=_("what changed"), max_length=d.MAX_NOTE,
                                  widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=_("Say what is corrected and why: it is published with the new version."))
    title = forms.CharField(label=_("title"), max_length=d.MAX_TITLE)
    body = forms.CharField(label=_("text"), max_length=d.MAX_BODY, required=False,
                           widget=forms.Textarea(attrs={"rows": 8}), help_text=SENSITIVE_HELP)


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("reason for returning"), max_length=d.MAX_NOTE,
                             widget=forms.Textarea(attrs={"rows": 3}))


class FileForm(forms.Form):
    file = forms.FileField(label=_("file"), max_length=200)


class CategoryAddForm(forms.Form):
    section = forms.ChoiceField(label=_("section"), choices=DisclosureCategory.Section.choices)
    name = forms.CharField(label=_("name"), max_length=64)
    basis = forms.CharField(label=_("basis"), max_length=200, required=False)
    cadence = forms.ChoiceField(label=_("cadence"), choices=DisclosureCategory.Cadence.choices)
    due_day = forms.IntegerField(label=_("due day"), min_value=1, max_value=28, initial=20)


class CategoryEditForm(forms.Form):
    cadence = forms.ChoiceField(label=_("cadence"), choices=DisclosureCategory.Cadence.choices)
    due_day = forms.IntegerField(label=_("due day"), min_value=1, max_value=28)
    active = forms.BooleanField(label=_("in use"), required=False)


class FilterForm(forms.Form):
    village = forms.CharField(max_length=12, required=False)
    status = forms.ChoiceField(choices=[("", ""), *d.Disclosure.Status.choices], required=False)
