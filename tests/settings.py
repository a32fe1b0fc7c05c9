"""Settings for the test suite: the product's settings with a throwaway data dir and a fast hasher."""

import os
import tempfile

os.environ.setdefault("TANDEM_DATA_DIR", tempfile.mkdtemp(prefix="tandem-test-"))
os.environ["TANDEM_HUEY_IMMEDIATE"] = "1"

from tandem.settings import *  # noqa: F403

TANDEM_SANDBOX_AUDIENCE = False  # tests call the audience themselves
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise warns when it is missing
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405

# SQLite tests use a file, not shared-cache memory: the publishing engine writes from several threads, and
# only a real file gets WAL and the busy timeout that production relies on.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405
TANDEM_MODERATION_RECHECK_SECONDS = 0  # tests change rules and judge at once
