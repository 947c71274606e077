"""A second factor that leaders may turn on for their own sign-in: after the password, the six-digit
code an authenticator app on their phone shows (TOTP, RFC 6238). django-otp keeps the device and
checks the code: a code is taken once, and each wrong code doubles the wait before the next try.

A leader's password opens the admin and everyone's personal data; a phone shared in the family or
a password seen over a shoulder should not be enough. Treasurers, collectors and staff sign in
with their password alone.

A sign-in is marked in its session as waiting for the code when the user has a confirmed device;
until the code is given, every page but the code page and sign-out sends them to it. Sessions
already open when a leader turns the second factor on are not asked for a code: they end by
themselves after 30 idle minutes, or when the leader signs out everywhere by changing the
password."""

import re
from collections.abc import Iterable
from math import ceil
from typing import TYPE_CHECKING, Any

from django import forms
from django.db import transaction
from django.http import HttpRequest, HttpResponseBase, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from songkhla_network.middleware import GetResponse
from songkhla_network.thai import arabic_digits

if TYPE_CHECKING:
    from songkhla_network.models import User

PENDING = "songkhla_second_factor_pending"


def confirmed_device(user: "User") -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def mark_pending(sender: type, request: HttpRequest, user: "User", **kwargs: object) -> None:
    """On sign-in (the user_logged_in signal): whoever has a second factor is asked for the code,
    a leader who turned it on and later took another role too."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        request.session[PENDING] = True


def is_pending(request: HttpRequest) -> bool:
    return bool(getattr(request, "session", None) and request.session.get(PENDING))


class SecondFactorMiddleware:
    """A session waiting for the code reaches the code page and sign-out only."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        self._open: set[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if is_pending(request) and request.user.is_authenticated:
            if self._open is None:
                self._open = {reverse("second_factor_verify"), reverse("logout"), reverse("health"), reverse("ping")}
            if request.path_info not in self._open:
                return redirect(f"{reverse('second_factor_verify')}?{_next_query(request)}")
        return self.get_response(request)


def _next_query(request: HttpRequest) -> str:
    query = QueryDict(mutable=True)
    query["next"] = request.get_full_path() if request.method == "GET" else reverse("home")
    return query.urlencode()


class CodeForm(forms.Form):
    """The six digits the app shows, Thai digits and spaces allowed ("123 456", "๑๒๓๔๕๖")."""

    code = forms.CharField(
        label=gettext_lazy("Code from the authenticator app"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def __init__(self, *args: Any, device: TOTPDevice | None = None, autofocus: bool = True, **kwargs: Any) -> None:
        self.device = device
        super().__init__(*args, **kwargs)
        if autofocus:  # not where the code is only one way to turn it off
            self.fields["code"].widget.attrs["autofocus"] = True

    def clean_code(self) -> str:
        code = re.sub(r"[\s\u200b\u200c\u200d\ufeff-]", "", arabic_digits(self.cleaned_data["code"]))
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("Type the 6 digits the app shows now."))
        return code

    def clean(self) -> dict[str, Any]:
        code = self.cleaned_data.get("code")
        if code is not None and self.device is not None:
            refusal = verify(self.device, code)
            if refusal:
                self.add_error("code", refusal)
        return self.cleaned_data


def verify(device: TOTPDevice, code: str) -> str | None:
    """Check a code against the device under a row lock (two guesses at once cannot both slip past
    the wait); None when right, else the Thai reason."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, why = device.verify_is_allowed()
        if not allowed:
            return _wait_message(why)
        if device.verify_token(code):
            return None
        allowed, why = device.verify_is_allowed()
    if not allowed and why and why.get("locked_until"):
        return _("That code is not right. %(wait)s") % {"wait": _wait_message(why)}
    return _("That code is not right, or was already used. Type the code the app shows now.")


def _wait_message(why: dict[str, Any] | None) -> str:
    locked_until = (why or {}).get("locked_until")
    seconds = ceil((locked_until - timezone.now()).total_seconds()) if locked_until else 1
    return _("Too many wrong codes: try again in %(seconds)s seconds.") % {"seconds": max(1, seconds)}


def pending_device(user: "User") -> TOTPDevice | None:
    """The device waiting for its first code, if the leader has started turning it on."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


@transaction.atomic
def device_start(*, user: "User") -> TOTPDevice:
    """The leader's device waiting for its first code: a new secret each time they start over."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=_("Phone"), confirmed=False)


def device_confirm(*, device: TOTPDevice) -> None:
    """The device gave its first right code: from the next sign-in, its codes are asked."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])


def devices_remove(*, users: Iterable["User"]) -> None:
    """The second factor off for these logins (their own choice with a code, or another leader's
    for a lost phone): their password alone signs them in again."""
    TOTPDevice.objects.filter(user__in=users).delete()


def key_for_typing(device: TOTPDevice) -> str:
    """The secret as the app asks for it when typed by hand: base32, in groups of four."""
    from base64 import b32encode

    text = b32encode(device.bin_key).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))
