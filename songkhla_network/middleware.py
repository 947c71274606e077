import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponseBase, HttpResponseNotAllowed
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import add_never_cache_headers

from .views import method_not_allowed

if TYPE_CHECKING:
    from .models import User

GetResponse = Callable[[HttpRequest], HttpResponseBase]


class PageGZipMiddleware(GZipMiddleware):
    """Pages go compressed to a browser that takes gzip, as nginx's default would send them: a
    40-member sheet's 42 KB of HTML arrive as 6 KB on a phone. Django's gzip pads each response
    with a random length against guessing a secret of the page from its compressed size (BREACH).
    PDFs, workbooks and photos are compressed already and pass as they are; static files are
    WhiteNoise's, compressed once at collectstatic, and never come here."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if not response.get("Content-Type", "").startswith("text/"):
            return response
        return super().process_response(request, response)


class NoStoreMiddleware:
    """Every page the app renders is kept by neither the browser nor a proxy: phones are shared,
    and the back button must show the sheet as it is now, not as it was before posting. Static
    files are served earlier, by WhiteNoise, and stay cacheable."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class SecurityHeadersMiddleware:
    """What Django's SecurityMiddleware does not send: the features a page may use. The app needs
    none of the powerful ones; a photo is chosen through the phone's own file picker, which asks
    for no permission."""

    PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.PERMISSIONS_POLICY)
        return response


class MethodNotAllowedPageMiddleware:
    """A Thai page for an address opened that only a button sends to (a sign-out, an approval, a
    posting: require_POST's 405, which Django answers with nothing, a blank page in the browser).
    The answer stays the view's, status and headers, with the page as its content."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not isinstance(response, HttpResponseNotAllowed) or response.content:
            return response
        page = method_not_allowed(request)
        response.content, response["Content-Type"] = page.content, page["Content-Type"]
        return response


def mark_session_seen(sender: type, request: HttpRequest, user: "User", **kwargs: object) -> None:
    """At sign-in the session is written anyway: note the time then, so that the first page after
    it does not write the session again."""
    request.session[IdleSessionMiddleware.SEEN] = int(time.time())


class IdleSessionMiddleware:
    """Phones are shared: a session ends after SESSION_IDLE_SECONDS without a request. The expiry
    is pushed forward at most once a minute, so a busy page does not write the session table on
    every request."""

    REFRESH_SECONDS = 60
    SEEN = "_seen"

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            now = int(time.time())
            if now - session.get(self.SEEN, 0) >= self.REFRESH_SECONDS:
                session[self.SEEN] = now  # marks the session modified: saved with a new expiry
        return self.get_response(request)
