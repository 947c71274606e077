"""The service worker's script, served from the top of the site so that its scope can cover the
month's sheets under /groups/ (a worker served from /static/ could control /static/ only)."""

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

SCRIPT = "js/sw.js"


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """static/js/sw.js as it is now, for everyone: the browser fetches it again to look for a new
    version on its own schedule, signed in or not, and must never be sent a stale copy."""
    path = finders.find(SCRIPT)
    if not path:
        raise Http404
    with open(path, encoding="utf-8") as script:
        response = HttpResponse(script.read(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response
