"""Test settings: development mode, a throw-away data folder, and a fast password hasher."""

import os
import tempfile

os.environ.setdefault("SECCOOP_DEBUG", "1")
os.environ.setdefault("SECCOOP_DATA_DIR", tempfile.mkdtemp(prefix="seccoop-test-"))

from seccoop.settings import *  # noqa: E402,F403 - the environment must be set before the settings load

# Creating users with argon2 dominates the run time; production keeps argon2 (see settings).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # noqa: S303 - tests only
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - defined by the settings imported above
