#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018 - load settings now to report what is missing
    except ImproperlyConfigured as error:
        sys.exit(f"Configuration error / 配置错误: {error}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
