from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "mingjing.complaints"
    label = "complaints"
    verbose_name = _("complaints")
    default_auto_field = "django.db.models.BigAutoField"
