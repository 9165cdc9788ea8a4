from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

# Django 5.2's password length message has no Chinese in Django's own catalog yet: naming it here
# keeps our translation of it when `makemessages` rewrites the catalogue.
DJANGO_MESSAGES = (
    ngettext_lazy("This password is too short. It must contain at least %d character.",
                  "This password is too short. It must contain at least %d characters.", "min_length"),
)


class LoginForm(AuthenticationForm):
    """Django's sign-in form with its length limits enforced before anyone is asked to
    authenticate: Django sets the username's `max_length` after building the field, so no
    validator checks it, and a 10,000-character name would reach the lockout table's
    varchar(255) on PostgreSQL."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["username"].validators.append(MaxLengthValidator(getattr(self.fields["username"], "max_length", None) or 150))
        self.fields["password"].validators.append(MaxLengthValidator(4096))


class CodeForm(forms.Form):
    """A six-digit code from the authenticator app."""

    code = forms.CharField(
        label=_("Code"),
        max_length=12,
        widget=forms.TextInput(attrs={
            "autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8,
        }),
    )
