import os

from django.core.wsgi import get_wsgi_application
from django.urls import resolve

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
application = get_wsgi_application()
# Resolving any path imports the URLconf and with it every view: done now, while the worker starts, rather
# than during the first request a user makes of it.
resolve("/healthz")
