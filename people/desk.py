"""The desk's two permission groups: 记者 (reporter) and 编辑 (editor).

Accounts, not bylines: what a user may do in the admin. The roles a byline
prints next to a name (记者, 通讯员, 摄影记者…) are `articles/bylines.py`. The
permissions are named by app label, so this module imports nothing from the
apps it grants them in and `people` stays a leaf.

Used by the data migration that creates them and by `create_staff`, which
re-creates them if they are missing (a flushed test database, say). Takes the
Group and Permission models as arguments so a migration can pass its
historical ones.
"""

from django.contrib.auth.management import create_permissions

REPORTER = "记者"
EDITOR = "编辑"

REPORTER_PERMISSIONS = {
    "articles": [
        "add_article",
        "change_article",
        "view_article",
        "add_credit",
        "change_credit",
        "delete_credit",
        "view_credit",
        "add_photo",
        "change_photo",
        "delete_photo",
        "view_photo",
        "add_photocredit",
        "change_photocredit",
        "delete_photocredit",
        "view_photocredit",
        "view_section",
        "view_issue",
        "view_articleevent",
        "view_correction",
    ],
    "people": ["add_person", "view_person"],
    "taggit": ["add_tag", "view_tag"],
}
EDITOR_EXTRA_PERMISSIONS = {
    "articles": [
        "delete_article",
        "publish_article",
        "edit_others_article",
        "correct_article",
        "add_section",
        "change_section",
        "add_issue",
        "change_issue",
        "add_correction",
        "add_articleevent",
        # The e-paper: 版 uploads and the zones on them are laid out by the desk's editors.
        "add_printpage",
        "change_printpage",
        "delete_printpage",
        "view_printpage",
        "add_pagezone",
        "change_pagezone",
        "delete_pagezone",
        "view_pagezone",
    ],
    "people": ["change_person"],
    "taggit": ["change_tag", "delete_tag"],
}


def _permissions(Permission, spec):
    found = []
    for app_label, codenames in spec.items():
        found += Permission.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )
    return found


def sync_groups_in_migration(apps):
    """sync_groups() from a data migration: permissions are normally made after all
    migrations, and the groups need them now."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def sync_groups(Group, Permission):
    reporter, _ = Group.objects.get_or_create(name=REPORTER)
    reporter.permissions.set(_permissions(Permission, REPORTER_PERMISSIONS))
    editor, _ = Group.objects.get_or_create(name=EDITOR)
    merged = {
        app: REPORTER_PERMISSIONS.get(app, []) + EDITOR_EXTRA_PERMISSIONS.get(app, [])
        for app in REPORTER_PERMISSIONS
    }
    editor.permissions.set(_permissions(Permission, merged))
