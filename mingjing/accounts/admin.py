"""The Django admin for organisations and accounts, in Chinese (the field and model names are
translated msgids). Nothing here deletes: an account is deactivated, an organisation kept, since
alerts, results and the trail point at them. Day-to-day staff work is the console's staff page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from mingjing.accounts.models import Membership, Organisation

# The admin's own titles (Django's defaults say "Django administration").
admin.site.site_header = _("Mingjing administration")
admin.site.site_title = _("Mingjing administration")
admin.site.index_title = _("Organisations, accounts and settings")


class NoDelete:
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(NoDelete, admin.ModelAdmin):
    list_display = ("name", "kind", "region_code", "department", "member_count")
    list_filter = ("kind",)
    search_fields = ("name", "region_code", "department")

    @admin.display(description=_("members"))
    def member_count(self, obj: Organisation) -> int:
        return obj.members.count()


@admin.register(Membership)
class MembershipAdmin(NoDelete, admin.ModelAdmin):
    list_display = ("user", "full_name", "organisation", "role", "must_change_password")
    list_filter = ("organisation__kind", "role")
    search_fields = ("user__username", "user__first_name", "organisation__name")
    autocomplete_fields = ("organisation",)
    list_select_related = ("user", "organisation")

    @admin.display(description=_("name"), ordering="user__first_name")
    def full_name(self, obj: Membership) -> str:
        return obj.user.get_full_name()


class MembershipInline(admin.StackedInline):
    model = Membership
    can_delete = False
    autocomplete_fields = ("organisation",)
    extra = 0


admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(NoDelete, UserAdmin):
    """Django's user admin (translated by Django) with the membership, and without deleting."""

    inlines = (MembershipInline,)
    list_display = ("username", "first_name", "email", "is_active", "is_staff", "last_login")
