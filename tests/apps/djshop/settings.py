"""Settings of the matrix's Django app (DJANGO_SETTINGS_MODULE=djshop.settings)."""

import os

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "django_app"
SECRET_KEY = "matrix-test-only"
INSTALLED_APPS = ["djshop"]
MIDDLEWARE: list = []
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ.get("APP_DB", ":memory:")}}
LOGGING_CONFIG = None
USE_TZ = True
