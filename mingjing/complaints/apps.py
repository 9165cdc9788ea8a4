from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _published_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Cached public pages are stale once a published complaint or question changes (not on every
    filing: a new, unmoderated one shows nowhere public)."""
    from mingjing.complaints.models import Question
    from mingjing.portal.public import pages_changed

    if isinstance(instance, Question):
        shown = instance.status in (Question.Status.PUBLISHED, Question.Status.ANSWERED)
    else:
        shown = instance.published_at is not None
    if shown:
        pages_changed()


class ComplaintsConfig(AppConfig):
    name = "mingjing.complaints"
    label = "complaints"
    verbose_name = _("complaints")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from mingjing.complaints.models import Complaint, Question

        for model in (Complaint, Question):
            post_save.connect(_published_changed, sender=model, dispatch_uid=f"complaints.published.{model.__name__}")
