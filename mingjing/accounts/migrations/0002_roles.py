from django.db import migrations, models

ROLE_BY_KIND = {
    "county_commission": "county_analyst",
    "township_commission": "township_officer",
    "department": "department_officer",
    "village": "village_member",
}


def set_roles(apps, schema_editor):
    """Every existing membership gets the role of its organisation's kind; county administrators
    (the old `is_county_admin` flag) become `county_admin`."""
    Membership = apps.get_model("accounts", "Membership")
    for m in Membership.objects.select_related("organisation"):
        m.role = "county_admin" if m.is_county_admin else ROLE_BY_KIND[m.organisation.kind]
        m.save(update_fields=["role"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="membership", name="role",
            field=models.CharField(choices=[("county_admin", "county commission administrator"), ("county_analyst", "county commission analyst"), ("township_officer", "township commission officer"), ("department_officer", "department officer"), ("village_bookkeeper", "village bookkeeper"), ("village_secretary", "village party secretary"), ("village_supervisor", "village supervision committee chair"), ("village_member", "village committee member")], default="", max_length=32),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="membership", name="must_change_password", field=models.BooleanField(default=False),
        ),
        migrations.RunPython(set_roles, migrations.RunPython.noop),
        migrations.RemoveField(model_name="membership", name="is_county_admin"),
        migrations.AlterModelOptions(name="membership", options={"verbose_name": "membership", "verbose_name_plural": "memberships"}),
    ]
