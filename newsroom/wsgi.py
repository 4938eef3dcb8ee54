"""WSGI entry point, used by gunicorn."""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

try:
    application = get_wsgi_application()
except ImproperlyConfigured as error:
    # One clear line in the server log instead of a traceback per worker.
    sys.exit(f"Configuration error / 配置错误: {error}")

# Made now, not by the first reader who searches (articles/search.py).
from articles.search import load_segmenter  # noqa: E402 - needs the settings loaded above

load_segmenter()
