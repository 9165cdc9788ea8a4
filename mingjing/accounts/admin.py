from django.contrib import admin

from mingjing.accounts.models import Membership, Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "region_code", "department")
    list_filter = ("kind",)
    search_fields = ("name", "region_code", "department")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role")
    list_filter = ("organisation__kind", "role")
    search_fields = ("user__username", "organisation__name")
    autocomplete_fields = ("organisation",)
