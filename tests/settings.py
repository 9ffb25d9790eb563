"""Test settings: the real settings with local-development defaults and a fast password hasher."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production-use-0123456789abcdef")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("DEBUG", "false")

from portfolio.settings import *  # noqa: E402,F403

# Pages compute their figures afresh in tests; tests/portfolio/test_cache.py turns the cache on.
FIGURES_CACHE_SECONDS = 0
# A test reads the sums kept on write only after it rebuilt them (tests/portfolio/test_figures.py),
# or after the demo city's load did: a rebuild asked for by an earlier test's read would make
# which figures a page reads depend on the order the tests run in.
FIGURES_REBUILD_ON_READ = False
# Each test process its own cache, whatever REDIS_URL a developer has exported: the cache tests
# clear it. tests/portfolio/test_redis_cache.py builds its Redis caches itself.
CACHES = cache_settings("")  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files from the app folders, as runserver does: tests never run collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
