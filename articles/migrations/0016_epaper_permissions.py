"""Editors lay out the e-paper: the 编辑 group gets the 版 and zone permissions."""

from django.db import migrations

from people.desk import sync_groups_in_migration


def update_groups(apps, schema_editor):
    sync_groups_in_migration(apps)


class Migration(migrations.Migration):
    dependencies = [("articles", "0015_epaper")]

    operations = [migrations.RunPython(update_groups, migrations.RunPython.noop)]
