"""The desk's two roles as groups: 记者 (reporter) and 编辑 (editor)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REPORTER = {
    "articles": ["add_article", "change_article", "view_article",
                 "add_credit", "change_credit", "delete_credit", "view_credit",
                 "add_photo", "change_photo", "delete_photo", "view_photo",
                 "add_photocredit", "change_photocredit", "delete_photocredit", "view_photocredit",
                 "view_section", "view_issue", "view_articleevent", "view_correction"],
    "people": ["add_person", "view_person"],
    "taggit": ["add_tag", "view_tag"],
}
EDITOR_EXTRA = {
    "articles": ["delete_article", "publish_article", "edit_others_article", "correct_article",
                 "add_section", "change_section", "add_issue", "change_issue",
                 "add_correction", "add_articleevent"],
    "people": ["change_person"],
    "taggit": ["change_tag", "delete_tag"],
}


def create_groups(apps, schema_editor):
    # Permissions are normally made after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def permissions(spec):
        found = []
        for app_label, codenames in spec.items():
            found += Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
        return found

    reporter, _ = Group.objects.get_or_create(name="记者")
    reporter.permissions.set(permissions(REPORTER))
    editor, _ = Group.objects.get_or_create(name="编辑")
    merged = {app: REPORTER.get(app, []) + EDITOR_EXTRA.get(app, []) for app in REPORTER}
    editor.permissions.set(permissions(merged))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["记者", "编辑"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_editorial_workflow"),
        ("people", "0002_person_user"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
