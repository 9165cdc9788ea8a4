from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "mingjing.portal"
    label = "portal"
    verbose_name = _("villager portal")
    default_auto_field = "django.db.models.BigAutoField"
