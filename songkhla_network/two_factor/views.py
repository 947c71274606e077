"""Pages of the second factor: a leader turns it on with their phone's authenticator app, or off
with a code; a sign-in waiting for its code is asked for it. See the package's __init__."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.qr import write_qrcode_image

from songkhla_network import two_factor
from songkhla_network.roles import AuthenticatedRequest, leader_required


@require_GET
@leader_required
def second_factor(request: AuthenticatedRequest) -> HttpResponse:
    """Whether the leader's second factor is on, and the way to turn it on or off."""
    device = two_factor.confirmed_device(request.user)
    return render(
        request, "songkhla_network/second_factor.html", {"device": device, "form": two_factor.CodeForm(autofocus=False)}
    )


@require_http_methods(["GET", "POST"])
@leader_required
def second_factor_setup(request: AuthenticatedRequest) -> HttpResponseBase:
    """Step 1 (a POST from the status page): a new secret. Step 2: the leader scans it into the app
    and types the code the app then shows; only a right code turns the second factor on."""
    if two_factor.confirmed_device(request.user):
        return redirect("second_factor")
    if request.method == "POST" and "start" in request.POST:
        two_factor.device_start(user=request.user)
        return redirect("second_factor_setup")
    device = two_factor.pending_device(request.user)
    if device is None:
        return redirect("second_factor")
    form = two_factor.CodeForm(request.POST if request.method == "POST" else None, device=device)
    if request.method == "POST" and form.is_valid():
        two_factor.device_confirm(device=device)
        request.session.pop(two_factor.PENDING, None)
        messages.success(
            request, _("The second factor is on: from the next sign-in, the app's code is asked after your password.")
        )
        return redirect("second_factor")
    return render(
        request,
        "songkhla_network/second_factor_setup.html",
        {"device": device, "key": two_factor.key_for_typing(device), "form": form},
    )


@require_GET
@leader_required
def second_factor_qr(request: AuthenticatedRequest) -> HttpResponse:
    """The secret as a QR code for the app to scan: shown only while it waits for its first code,
    to its owner, and never kept by a cache."""
    device = two_factor.pending_device(request.user)
    if device is None:
        raise Http404
    response = HttpResponse(content_type="image/svg+xml")
    write_qrcode_image(device.config_url, response)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@leader_required
def second_factor_off(request: AuthenticatedRequest) -> HttpResponseBase:
    """Turned off with a code from the app, so a borrowed, signed-in phone cannot turn it off."""
    device = two_factor.confirmed_device(request.user)
    if device is None:
        return redirect("second_factor")
    form = two_factor.CodeForm(request.POST, device=device, autofocus=False)
    if form.is_valid():
        two_factor.devices_remove(users=[request.user])
        messages.success(request, _("The second factor is off: your password alone signs you in."))
        return redirect("second_factor")
    return render(request, "songkhla_network/second_factor.html", {"device": device, "form": form})


@require_http_methods(["GET", "POST"])
def second_factor_verify(request: HttpRequest) -> HttpResponseBase:
    """After the password, the code. Reached only by a sign-in waiting for it."""
    if not (request.user.is_authenticated and two_factor.is_pending(request)):
        return redirect("home")
    device = two_factor.confirmed_device(request.user)
    if device is None:  # turned off meanwhile, by another leader in the admin
        request.session.pop(two_factor.PENDING, None)
        return redirect("home")
    form = two_factor.CodeForm(request.POST if request.method == "POST" else None, device=device)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if request.method == "POST" and form.is_valid():
        request.session.pop(two_factor.PENDING)
        request.session.cycle_key()
        # Not redirect(): a next address that is no URL would be looked up as a view name.
        return HttpResponseRedirect(next_url or reverse("home"))
    return render(request, "registration/second_factor_verify.html", {"form": form, "next": next_url})
