"""WSGI entry of the Django peer: ``gunicorn peer_django.wsgi:application`` from bench/."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_django.settings")
application = get_wsgi_application()
