"""Settings for the benchmark and the load test: production settings on the bench database.

bench/run.py and bench/load.py set DATABASE_URL to the bench database (never the dev db.sqlite3
nor the test database) before Django reads this. DEBUG is off, as in production. Two differences
from production, both outside what is measured: static files are served from the app folders (no
collectstatic needed), and passwords use a fast hasher so that logging in 20 load-test users does
not burn seconds of CPU while the load test runs.
"""

import os
import warnings

os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-use-0123456789abcdef")
os.environ.setdefault("HTTPS", "false")
os.environ["DEBUG"] = "false"

from portfolio.settings import *  # noqa: E402,F403

ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Whitenoise warns that STATIC_ROOT does not exist: nothing is collected for the bench.
warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
