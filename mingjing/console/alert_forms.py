"""Forms of the alert pages: the list's filters, one form per lifecycle action, the deadlines.

Forms only parse and validate input; the rules (who may, in which state) live in the actions.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import FileExtensionValidator, RegexValidator
from django.utils.translation import gettext_lazy as _

from mingjing.accounts.models import Organisation
from mingjing.alerts.models import Alert
from mingjing.alerts.queries import LEVELS, AlertFilter, ModelInfo
from mingjing.analysis.models import LEVEL_CHOICES

REGION_CODE = RegexValidator(r"^\d{12}$", _("A region code has 12 digits."))
ATTACHMENT_TYPES = ["pdf", "ofd", "jpg", "jpeg", "png", "webp", "heic", "doc", "docx", "wps", "xls", "xlsx",
                    "et", "txt", "csv", "zip"]
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS = 10

COLOUR_CHOICES = [("red", _("Red: new")), ("yellow", _("Yellow: in hand")), ("green", _("Green: closed"))]
SORT_CHOICES = [
    ("-created", _("Newest first")), ("created", _("Oldest first")), ("-amount", _("Largest amount first")),
    ("amount", _("Smallest amount first")), ("deadline", _("Nearest deadline first")),
]


def _any(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


class AlertFilterForm(forms.Form):
    """The list's filters, read from the query string. A value that does not parse is ignored."""

    status = forms.ChoiceField(label=_("Status"), required=False, choices=_any(_("Any status")) + Alert.Status.choices)
    colour = forms.ChoiceField(label=_("Colour"), required=False, choices=_any(_("Any colour")) + COLOUR_CHOICES)
    level = forms.ChoiceField(label=_("Level"), required=False, choices=_any(_("Any level")) + LEVEL_CHOICES)
    model = forms.CharField(label=_("Problem model"), required=False, widget=forms.Select)
    township = forms.CharField(label=_("Township"), required=False, validators=[REGION_CODE], widget=forms.Select)
    village = forms.CharField(label=_("Village"), required=False, validators=[REGION_CODE], widget=forms.Select)
    program = forms.CharField(label=_("Programme"), required=False, widget=forms.Select)
    supervised = forms.ChoiceField(
        label=_("Supervised by the county"), required=False,
        choices=[("", _("Either")), ("yes", _("Supervised")), ("no", _("Not supervised"))],
    )
    not_seen = forms.BooleanField(label=_("Not seen in the latest run"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORT_CHOICES)

    def __init__(self, data: Any, *, choices: dict[str, list[str]], names: dict[str, str],
                 models: dict[str, ModelInfo]) -> None:
        super().__init__(data)

        def menu(values: list[str], label: Any, title: Any = None) -> list[tuple[str, str]]:
            return _any(label) + [(v, f"{title(v)} ({v})" if title and title(v) else v) for v in values]

        for field in ("township", "village"):  # a value from a link stays visible in its menu
            value = self.data.get(field) if self.is_bound else None
            if value and value not in choices[field + "s"]:
                choices = {**choices, field + "s": [*choices[field + "s"], value]}
        self.fields["model"].widget.choices = menu(  # type: ignore[attr-defined]
            choices["models"], _("Any model"), lambda c: models[c].title if c in models else "")
        self.fields["township"].widget.choices = menu(  # type: ignore[attr-defined]
            choices["townships"], _("Any township"), names.get)
        self.fields["village"].widget.choices = menu(  # type: ignore[attr-defined]
            choices["villages"], _("Any village"), names.get)
        self.fields["program"].widget.choices = menu(choices["programs"], _("Any programme"))  # type: ignore[attr-defined]

    def to_filter(self) -> AlertFilter:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        supervised = {"yes": True, "no": False}.get(data.get("supervised") or "")
        township, village = data.get("township") or "", data.get("village") or ""
        if township and village and village[:9] != township[:9]:
            village = ""  # the township changed: a village of another township no longer applies
        return AlertFilter(
            status=data.get("status") or "", colour=data.get("colour") or "", level=data.get("level") or "",
            model=data.get("model") or "", township=township, village=village,
            program=data.get("program") or "", supervised=supervised, not_seen=bool(data.get("not_seen")),
            sort=data.get("sort") or "-created",
        )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (the Django documentation's recipe)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ",".join(f".{t}" for t in ATTACHMENT_TYPES)}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        files = [single(d, initial) for d in data] if isinstance(data, list | tuple) else [single(data, initial)]
        files = [f for f in files if f]
        if len(files) > MAX_ATTACHMENTS:
            raise forms.ValidationError(_("At most %(n)s files.") % {"n": MAX_ATTACHMENTS})
        for f in files:
            if f.size and f.size > MAX_ATTACHMENT_BYTES:
                raise forms.ValidationError(
                    _("%(name)s is larger than %(mb)s MB.") % {"name": f.name, "mb": MAX_ATTACHMENT_BYTES // 2**20})
        return files


def _money(label: Any) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=False, min_value=Decimal("0"), max_digits=18, decimal_places=2,
                              widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}))


class ActionForm(forms.Form):
    """A lifecycle action's form: what it parsed, as the action's keyword arguments."""

    def __init__(self, *args: Any, alert: Alert | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.alert = alert

    def action_kwargs(self) -> dict[str, Any]:
        return {}


class SignForm(ActionForm):
    pass


class ResultForm(ActionForm):
    result = forms.ChoiceField(
        label=_("Result"), widget=forms.RadioSelect,
        choices=[(c, label) for c, label in Alert.Result.choices if c != Alert.Result.DISMISSED],
    )
    account = forms.CharField(label=_("Account of the verification"), widget=forms.Textarea(attrs={"rows": 4}))
    money_to_recover = _money(_("Money to recover (yuan)"))
    money_recovered = _money(_("Money recovered so far (yuan)"))
    rectified = forms.BooleanField(label=_("Rectification done"), required=False)
    attachments = MultipleFileField(
        label=_("Attachments"), required=False,
        validators=[FileExtensionValidator(ATTACHMENT_TYPES)],
        help_text=_("Scans, photos, records; up to 10 files of 20 MB each."),
    )

    def action_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"result": d["result"], "account": d["account"], "rectified": d["rectified"],
                "money_to_recover": d["money_to_recover"] or Decimal("0"),
                "money_recovered": d["money_recovered"] or Decimal("0"), "files": d["attachments"]}


class DismissalForm(ActionForm):
    reason = forms.CharField(label=_("Why this is a false positive"), widget=forms.Textarea(attrs={"rows": 3}))

    def action_kwargs(self) -> dict[str, Any]:
        return {"reason": self.cleaned_data["reason"]}


class ReviewForm(ActionForm):
    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[("approve", _("Approve")), ("return", _("Return for more work"))],
    )
    note = forms.CharField(label=_("Note (required when returning)"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def action_kwargs(self) -> dict[str, Any]:
        return {"approve": self.cleaned_data["decision"] == "approve", "note": self.cleaned_data["note"]}


class RectificationForm(ActionForm):
    money_recovered = _money(_("Money recovered in total (yuan)"))
    note = forms.CharField(label=_("What was rectified"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.alert is not None and not self.is_bound:
            self.initial["money_recovered"] = self.alert.money_recovered

    def action_kwargs(self) -> dict[str, Any]:
        return {"money_recovered": self.cleaned_data["money_recovered"] or Decimal("0"),
                "note": self.cleaned_data["note"]}


class ReassignForm(ActionForm):
    department = forms.ModelChoiceField(
        label=_("Department"), required=False,
        queryset=Organisation.objects.filter(kind=Organisation.Kind.DEPARTMENT).order_by("name"),
    )
    township = forms.ModelChoiceField(
        label=_("Township commission"), required=False,
        queryset=Organisation.objects.filter(kind=Organisation.Kind.TOWNSHIP_COMMISSION).order_by("region_code"),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.alert is not None and not self.is_bound:
            self.initial.update(department=self.alert.department_id, township=self.alert.township_id)

    def action_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"department": d["department"], "township": d["township"], "reason": d["reason"]}


class DeadlinesForm(forms.Form):
    """Working days per level; empty means no deadline."""

    def __init__(self, *args: Any, current: dict[str, tuple[int | None, int | None]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for level in LEVELS:
            sign, result = current[level]
            for part, value, label in (("sign", sign, _("Sign for within (working days)")),
                                       ("result", result, _("Result within (working days)"))):
                self.fields[f"{level}_{part}"] = forms.IntegerField(
                    label=label, required=False, min_value=1, max_value=365, initial=value)

    def rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(level, self[f"{level}_sign"], self[f"{level}_result"]) for level in LEVELS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for level in LEVELS:
            sign, result = data.get(f"{level}_sign"), data.get(f"{level}_result")
            if sign and result and sign > result:
                self.add_error(f"{level}_result", _("The result deadline cannot come before the signing deadline."))
        return data

    def policies(self) -> dict[str, tuple[int | None, int | None]]:
        return {lvl: (self.cleaned_data[f"{lvl}_sign"], self.cleaned_data[f"{lvl}_result"]) for lvl in LEVELS}
