"""Test settings: the real settings with local-development defaults and a fast password hasher."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production-use-0123456789abcdef")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("DEBUG", "false")

from portfolio.settings import *  # noqa: E402,F403

# Pages compute their figures afresh in tests; tests/portfolio/test_cache.py turns the cache on.
FIGURES_CACHE_SECONDS = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files from the app folders, as runserver does: tests never run collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
