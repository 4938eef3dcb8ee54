"""Editors lay out the e-paper: the 编辑 group gets the 版 and zone permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from people.desk import sync_groups


def update_groups(apps, schema_editor):
    # Permissions are normally made after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [("articles", "0015_epaper")]

    operations = [migrations.RunPython(update_groups, migrations.RunPython.noop)]
