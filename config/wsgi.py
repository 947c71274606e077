import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# What the app loads at start-up (Django, every view through the URLs, their forms and models)
# lives as long as the worker does. Python's cyclic garbage collector would still walk those
# hundred thousand objects on each of its full passes, which the objects a page makes set off
# every hundred pages or so: a millisecond of every page's CPU on average (issue 16). Frozen,
# they are left out of its passes; what pages make is collected as before.
get_resolver().url_patterns  # noqa: B018  # imports every view now, not at the first request
gc.collect()
gc.freeze()
