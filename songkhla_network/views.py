"""The pages every request may end on: the health checks, the sign-in lockout, the error pages."""

from typing import Any

from django.conf import settings
from django.contrib.sessions.exceptions import SessionInterrupted
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET


@require_GET
def ping(request: HttpRequest) -> HttpResponse:
    """The lightest page the app serves: no database, no template. `make bench` compares every
    page with it."""
    return HttpResponse("ok", content_type="text/plain")


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """django-axes' answer to a sign-in after too many failures: a Thai page, status 429."""
    return render(
        request,
        "registration/locked_out.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
        status=429,
    )


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """The username django-axes records a failed sign-in under, cut to the 255 characters its
    table holds: axes 8.3 stores what was typed whole, and a longer name (a scanner's) broke the
    sign-in page with a server error (jazzband/django-axes#1381; found by fuzzing)."""
    username = credentials.get("username") if credentials else request.POST.get("username")
    return username[:255] if isinstance(username, str) else username


def health(request: HttpRequest) -> HttpResponse:
    """For the web server, a load balancer or a monitor: 200 when the database answers, 503 when
    it does not. No sign-in, no template, one query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy"; the monitor needs no detail
        return HttpResponse("database unavailable", status=503, content_type="text/plain")
    return HttpResponse("ok", content_type="text/plain")


def _error_page(status: int, title: str, message: str, request: HttpRequest | None = None) -> HttpResponse:
    # The 500 page is rendered without the request: whatever broke (the database, say) must not
    # break the error page too.
    return HttpResponse(
        loader.render_to_string(
            "songkhla_network/error.html", {"title": title, "message": message, "status": status}, request
        ),
        status=status,
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, SessionInterrupted):
        # The session could not be saved after the page was done: the database went away a moment
        # (Django reports that as SessionInterrupted), or the person signed out in another tab.
        # To them it is the app failing, not a request of theirs it could not understand.
        return server_error(request)
    return _error_page(400, _("Bad request"), _("The request could not be understood. Go back and try again."), request)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(403, _("Not allowed"), _("Your role does not give access to this page."), request)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(404, _("Page not found"), _("There is no such page, or it is not yours to see."), request)


def method_not_allowed(request: HttpRequest) -> HttpResponse:
    """For an address that only a button on a page sends to (songkhla_network.middleware)."""
    return _error_page(
        405,
        _("This page opens from a button"),
        _("This address only takes what a button on the app's pages sends. Go back and use the button there."),
        request,
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return _error_page(
        500,
        _("Something went wrong"),
        _("The app could not finish this request. Nothing half-done was saved; please try again."),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error_page(
        403,
        _("The form has expired"),
        _("This page was open too long or was sent twice. Go back, reload the page and send it again."),
        request,
    )
