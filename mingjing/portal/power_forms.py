"""Console forms of the micro-power list and the policy texts: bounded fields, Chinese errors that
keep what was typed. The actions check the same bounds again (`power.validate`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from mingjing.portal import policies, power


def in_language(problem: Any) -> str:
    """A bilingual problem (`zh`, `en`) in the page's language."""
    return str(problem.en if get_language() == "en" else problem.zh)


STEPS_HELP = _("One step per line, in order: 2 to 12 steps of at most 40 characters each.")


class PowerItemForm(forms.Form):
    title = forms.CharField(label=_("Matter"), max_length=power.MAX_TITLE)
    category = forms.ChoiceField(label=_("Category"), choices=[(c, c) for c in power.CATEGORIES])
    responsible = forms.CharField(label=_("Responsible"), max_length=power.MAX_RESPONSIBLE,
                                  help_text=_("Who answers for it, e.g. 村党组织书记, 村民委员会, 报账员."))
    basis = forms.CharField(label=_("Basis"), max_length=power.MAX_BASIS, widget=forms.Textarea(attrs={"rows": 4}),
                            help_text=_("The law or policy in words, e.g. 《村民委员会组织法》第二十四条."))
    steps = forms.CharField(label=_("Steps"), max_length=power.MAX_STEPS * (power.MAX_STEP + 2) + 200,
                            widget=forms.Textarea(attrs={"rows": 8}), help_text=STEPS_HELP)

    @classmethod
    def initial_of(cls, item: Any) -> dict[str, Any]:
        return {"title": item.title, "category": item.category, "responsible": item.responsible,
                "basis": item.basis, "steps": "\n".join(item.steps)}

    def clean_steps(self) -> list[str]:
        try:
            return power.check_steps(power.split_steps(self.cleaned_data["steps"]))
        except power.PowerInvalid as problem:
            raise forms.ValidationError(in_language(problem)) from problem

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data[name] for name in ("title", "category", "basis", "responsible", "steps")}


class PolicyForm(forms.Form):
    standard = forms.CharField(label=_("Standard"), required=False, max_length=policies.LIMITS["standard"],
                               help_text=_("In words, e.g. 每人每月 120 元."))
    cycle = forms.CharField(label=_("Payment cycle"), required=False, max_length=policies.LIMITS["cycle"])
    eligibility = forms.CharField(label=_("Who is eligible"), required=False,
                                  max_length=policies.LIMITS["eligibility"], widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text=_("In plain words a villager understands."))
    basis = forms.CharField(label=_("Basis"), required=False, max_length=policies.LIMITS["basis"],
                            widget=forms.Textarea(attrs={"rows": 3}))
    contact = forms.CharField(label=_("Whom to ask"), required=False, max_length=policies.LIMITS["contact"])
    published = forms.BooleanField(label=_("Show on the public pages"), required=False)

    @classmethod
    def initial_of(cls, item: Any) -> dict[str, Any]:
        return {name: getattr(item, name) for name in policies.TEXT_FIELDS}
