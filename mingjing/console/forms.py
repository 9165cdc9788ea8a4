from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mingjing.analysis.queries import FilterChoices, HitFilters, ModelEntry, ParameterRow
from mingjing.datahub.models import DATASET_CHOICES


class UploadForm(forms.Form):
    dataset = forms.ChoiceField(label=_("Dataset"), choices=[("", "---------"), *DATASET_CHOICES])
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV or TXT (UTF-8 or GBK), XLSX or XLS. The header row may sit under title rows."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx,.xls"}),
    )
    sheet = forms.CharField(
        label=_("Sheet name"),
        required=False,
        max_length=255,
        help_text=_("Workbooks only; the first sheet when left empty."),
    )
    force = forms.BooleanField(
        label=_("Force a repeat import"),
        required=False,
        help_text=_("Import even if a file with exactly the same content was imported before."),
    )
    replace = forms.BooleanField(
        label=_("Replace existing data"),
        required=False,
        help_text=_(
            "When the import succeeds, every active batch of this dataset is superseded. Retracting this batch brings them back."
        ),
    )


# -- problem models, runs, hits -----------------------------------------------------------------

ENGINE_CHOICES = [("duckdb", _("DuckDB (this machine)")), ("spark", _("Spark (cluster)"))]


class ModelSettingForm(forms.Form):
    """A county's switch and parameter values for one model; fields are made from the rule.

    Parameter values stay text here: the rule coerces and range-checks them in
    `do_update_model_setting`, which is where a bad value gets its bilingual message.
    """

    enabled = forms.BooleanField(label=_("Enabled"), required=False)

    def __init__(self, entry: ModelEntry, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", entry.code)
        kwargs.setdefault("initial", {"enabled": entry.enabled})
        super().__init__(*args, **kwargs)
        self.entry = entry
        for p in entry.parameters:
            field: forms.Field
            if p.kind == "boolean":
                field = forms.BooleanField(label=p.label, required=False, initial=p.checked)
            else:
                attrs = (
                    {"inputmode": "numeric" if p.kind == "integer" else "decimal"}
                    if p.kind in ("integer", "decimal")
                    else {}
                )
                field = forms.CharField(
                    label=p.label,
                    required=False,
                    max_length=500,
                    initial=p.current,
                    widget=forms.TextInput(attrs=attrs),
                )
            self.fields[f"param_{p.name}"] = field

    def parameter_fields(self) -> list[tuple[ParameterRow, forms.BoundField]]:
        return [(p, self[f"param_{p.name}"]) for p in self.entry.parameters]

    def params(self) -> dict[str, Any]:
        """The overrides to store: values that differ from the rule's default, as entered."""
        out: dict[str, Any] = {}
        for p in self.entry.parameters:
            value = self.cleaned_data.get(f"param_{p.name}")
            if p.kind == "boolean":
                if bool(value) != (p.default == "true"):
                    out[p.name] = bool(value)
                continue
            text = (value or "").strip()
            if text and text != p.default:
                out[p.name] = text
        return out


class StartRunForm(forms.Form):
    engine = forms.ChoiceField(
        label=_("Engine"), choices=ENGINE_CHOICES, initial="duckdb", widget=forms.RadioSelect
    )
    models = forms.MultipleChoiceField(
        label=_("Models"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked to run every enabled model."),
    )

    def __init__(self, *args: Any, model_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        models_field = self.fields["models"]
        assert isinstance(models_field, forms.MultipleChoiceField)
        models_field.choices = model_choices


SEEN_LABELS = [
    ("seen", _("Found by the latest run")),
    ("not_seen", _("No longer found")),
    ("all", _("All")),
]
SORT_LABELS = [
    ("-amount", _("Amount, largest first")),
    ("amount", _("Amount, smallest first")),
    ("-last_period", _("Last period, latest first")),
    ("last_period", _("Last period, earliest first")),
]
LEVEL_LABELS = [
    ("", _("All levels")),
    ("high", _("high")),
    ("medium", _("medium")),
    ("low", _("low")),
]
_CODE = r"^[0-9A-Za-z_-]*$"


class HitFilterForm(forms.Form):
    """The hits list's filters (GET). Codes are free text behind selects, so a link with a code
    that has no hits yet still filters (to nothing) instead of silently showing everything."""

    model = forms.RegexField(
        label=_("Model"), regex=_CODE, required=False, max_length=32, widget=forms.Select
    )
    level = forms.ChoiceField(label=_("Level"), choices=LEVEL_LABELS, required=False)
    township = forms.RegexField(
        label=_("Township"), regex=_CODE, required=False, max_length=12, widget=forms.Select
    )
    village = forms.RegexField(
        label=_("Village"), regex=_CODE, required=False, max_length=12, widget=forms.Select
    )
    programme = forms.RegexField(
        label=_("Programme"), regex=_CODE, required=False, max_length=32, widget=forms.Select
    )
    period = forms.RegexField(
        label=_("Period"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        max_length=7,
        widget=forms.DateInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
        error_messages={"invalid": _("Enter a month as YYYY-MM.")},
    )
    seen = forms.ChoiceField(label=_("Seen"), choices=SEEN_LABELS, required=False)
    sort = forms.ChoiceField(label=_("Sort"), choices=SORT_LABELS, required=False)

    def set_choices(self, choices: FilterChoices) -> None:
        everything: list[tuple[str, Any]] = [("", _("All"))]
        for name, options in (
            ("model", choices.models),
            ("township", choices.townships),
            ("village", choices.villages),
            ("programme", choices.programmes),
        ):
            widget = self.fields[name].widget
            assert isinstance(widget, forms.Select)
            widget.choices = everything + options

    def filters(self) -> HitFilters:
        """The valid filters; a field with a bad value is left out (and shows its error)."""
        errors = set(self.errors) if self.is_bound else set()  # runs the validation
        data = self.cleaned_data if self.is_bound else {}

        def value(name: str, default: str = "") -> str:
            return "" if name in errors else (data.get(name) or default)

        period = value("period")
        return HitFilters(
            model=value("model"),
            level=value("level"),
            township=value("township"),
            village=value("village"),
            programme=value("programme"),
            period=dt.date(int(period[:4]), int(period[5:7]), 1) if period else None,
            seen=value("seen", "seen"),
            sort=value("sort", "-amount"),
        )
