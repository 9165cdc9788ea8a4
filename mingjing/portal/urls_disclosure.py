"""Routes of the portal's disclosure pages: `public` (no sign-in, under /v/) and `console` (staff,
in the console's namespace, names prefixed `portal_`)."""

from __future__ import annotations

from django.urls import URLPattern, path

from mingjing.portal import disclosure_views as v

public: list[URLPattern] = [
    path("<str:village_code>/d/<int:pk>/", v.disclosure, name="disclosure"),
    path("<str:village_code>/d/<int:pk>/table.csv", v.disclosure_table, name="disclosure_table"),
    path("<str:village_code>/d/<int:pk>/f/<int:attachment_id>/", v.disclosure_file, name="disclosure_file"),
    path("<str:village_code>/s/<str:section>/", v.disclosures, name="disclosures"),
]
console: list[URLPattern] = [
    path("portal/disclosures/", v.console_list, name="portal_disclosures"),
    path("portal/disclosures/new/", v.console_new, name="portal_disclosure_new"),
    path("portal/disclosures/import/", v.console_import, name="portal_disclosure_import"),
    path("portal/disclosures/import/template.xlsx", v.console_import_template, name="portal_disclosure_template"),
    path("portal/disclosures/<int:pk>/", v.console_detail, name="portal_disclosure"),
    path("portal/disclosures/<int:pk>/<str:action>/", v.console_action, name="portal_disclosure_action"),
    path("portal/disclosures/<int:pk>/f/<int:attachment_id>/", v.console_file, name="portal_disclosure_file"),
    path("portal/categories/", v.console_categories, name="portal_categories"),
    path("portal/categories/<int:pk>/", v.console_category, name="portal_category"),
]
