from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "mingjing.portal"
    label = "portal"
    verbose_name = _("villager portal")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from mingjing.accounts.models import Organisation
        from mingjing.datahub.signals import batch_activated
        from mingjing.portal import policies, tasks
        from mingjing.portal.categories import sync_categories
        from mingjing.portal.models import (
            Disclosure,
            DisclosureCategory,
            PowerItem,
            ProgrammePolicy,
        )
        from mingjing.portal.public import forget_places, pages_changed
        from mingjing.portal.subscriptions import on_batch_activated

        # The built-in disclosure categories follow categories.py after every migrate.
        post_migrate.connect(sync_categories, sender=self, dispatch_uid="portal.sync_categories")
        # Subscribers hear of new or missing payments once a payments batch is active.
        batch_activated.connect(on_batch_activated, dispatch_uid="portal.notify_subscribers")
        # A new programmes file adds its programmes to the public policy list.
        batch_activated.connect(policies.on_batch_activated, dispatch_uid="portal.sync_policies")
        # The public pages' list of villages follows the regions and the organisations.
        batch_activated.connect(forget_places, dispatch_uid="portal.forget_places")
        post_save.connect(forget_places, sender=Organisation, dispatch_uid="portal.forget_places")
        # Cached public pages are stale once anything they show changes.
        batch_activated.connect(pages_changed, dispatch_uid="portal.pages_changed")
        for model in (Disclosure, DisclosureCategory, PowerItem, ProgrammePolicy, Organisation):
            post_save.connect(pages_changed, sender=model, dispatch_uid=f"portal.pages_changed.{model.__name__}")
        # The portal index is rebuilt in the background for the new set of active batches.
        batch_activated.connect(tasks.on_batch_activated, dispatch_uid="portal.build_index")
