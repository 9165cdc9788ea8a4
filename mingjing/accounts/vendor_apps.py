"""The third-party apps an administrator meets in the Django admin, named in the UI's language.

Their own catalogues have no Simplified Chinese (django-axes, django-otp) or their names are plain
strings (django-tasks-db, TOTP devices), so these configs give them translatable names and
`VENDOR_MESSAGES` names axes' own msgids, which keeps our translations of them when
`makemessages` rewrites the catalogue. INSTALLED_APPS lists these configs instead of the apps.
"""

from __future__ import annotations

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django_otp.plugins.otp_totp.apps import DefaultConfig as TotpAppConfig
from django_tasks_db.apps import TasksAppConfig

VENDOR_MESSAGES = (
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Expires At"),
    gettext_noop("Logout Time"),
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Task Result"),
    gettext_noop("Task Results"),
    # Django's own admin captions that its zh_Hans catalogue lacks
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
)


class AxesConfig(AxesAppConfig):
    verbose_name = _("Sign-in attempts")


class TotpConfig(TotpAppConfig):
    verbose_name = _("Second factor (TOTP)")

    def ready(self) -> None:
        super().ready()
        from django_otp.plugins.otp_totp.models import TOTPDevice

        TOTPDevice._meta.verbose_name = _("TOTP device")
        TOTPDevice._meta.verbose_name_plural = _("TOTP devices")
        labels = {"user": _("User"), "name": _("Device name"), "confirmed": _("Confirmed"),
                  "created_at": _("Created"), "last_used_at": _("Last used")}
        for field in TOTPDevice._meta.fields:
            if field.name in labels:
                field.verbose_name = labels[field.name]


class TasksDbConfig(TasksAppConfig):
    verbose_name = _("Background tasks")  # type: ignore[assignment]  # a lazy string, as Django allows
