"""Settings of the Django peer (bench only): startproject's defaults, PostgreSQL from
DATABASE_URL (the database roadchief's bench reads), the city's time zone."""

import os
from urllib.parse import unquote, urlparse

SECRET_KEY = os.environ.get("PEER_SECRET_KEY", "bench-only-not-a-secret")
DEBUG = False
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "peer_django.georeport",
]
MIDDLEWARE = [  # startproject's
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "peer_django.urls"
WSGI_APPLICATION = "peer_django.wsgi.application"


def _database() -> dict:
    url = urlparse(os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/x")
                   .replace("postgresql+psycopg://", "postgresql://"))
    return {
        "ENGINE": "django.db.backends.postgresql",  # psycopg 3, as roadchief
        "NAME": url.path.lstrip("/"),
        "USER": unquote(url.username or ""),
        "PASSWORD": unquote(url.password or ""),
        "HOST": url.hostname or "",
        "PORT": str(url.port or ""),
        "CONN_MAX_AGE": 600,  # persistent connections, as roadchief's pool
        "CONN_HEALTH_CHECKS": True,  # as roadchief's pre-ping
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
LANGUAGE_CODE = "zh-hans"
TIME_ZONE = os.environ.get("TIMEZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
