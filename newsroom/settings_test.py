"""Settings for the test suite: the real settings, made fast and self-contained."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from newsroom.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Most tests change data with .update() between requests and count queries per render;
# tests/test_caching.py turns the page cache on to test it.
NEWSROOM_PAGE_CACHE = False
SECURE_SSL_REDIRECT = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Tasks run at once, inside the test, so their effects can be asserted directly.
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
# Every request reads the shared generation, so tests can change it from "another process" (a
# plain UPDATE) and look at once; tests/test_production_truth.py checks the wait itself.
NEWSROOM_GENERATION_WAIT = 0
