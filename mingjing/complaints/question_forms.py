"""Forms of 公开质询. They bound what a request may carry; what is acceptable (lengths, numbers
that must not be published) is decided by the actions in `questions.py`, whose refusals the
pages show next to the field they name."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mingjing.complaints import questions

# What a request may carry at most: well above the limits, so that a villager who wrote too much
# gets the action's message with the count, and their text back to shorten.
KEPT_TEXT = 5000


class AskForm(forms.Form):
    text = forms.CharField(label=_("Your question"), required=False, max_length=KEPT_TEXT, widget=forms.Textarea)
    asker = forms.CharField(label=_("How to call you (optional)"), required=False, max_length=200)

    def kept(self) -> dict[str, str]:
        """What was typed, shown again after a refusal (bounded)."""
        return {"text": str(self.data.get("text", ""))[:KEPT_TEXT],
                "asker": str(self.data.get("asker", ""))[:questions.MAX_ASKER * 2]}


class ModerateForm(forms.Form):
    decision = forms.ChoiceField(choices=[("publish", _("Publish")), ("reject", _("Do not publish"))])
    reason = forms.CharField(label=_("Reason (staff only)"), required=False, max_length=questions.MAX_REASON * 2)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), required=False, max_length=questions.MAX_ANSWER * 2,
                             widget=forms.Textarea)
