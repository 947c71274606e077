from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from groups import card_views
from songkhla_network import views
from songkhla_network.service_worker import service_worker
from songkhla_network.two_factor import views as two_factor_views

urlpatterns = [
    path("", include("network.urls")),
    path("ping/", views.ping, name="ping"),
    path("health/", views.health, name="health"),
    # Keeps the month's sheets a treasurer opened for a meeting without a signal (static/js/sw.js).
    path("sw.js", service_worker, name="service_worker"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/second-factor/", two_factor_views.second_factor, name="second_factor"),
    path("accounts/second-factor/setup/", two_factor_views.second_factor_setup, name="second_factor_setup"),
    path("accounts/second-factor/qr.svg", two_factor_views.second_factor_qr, name="second_factor_qr"),
    path("accounts/second-factor/off/", two_factor_views.second_factor_off, name="second_factor_off"),
    path("accounts/login/code/", two_factor_views.second_factor_verify, name="second_factor_verify"),
    path("groups/", include("groups.urls")),
    # A member's card: its QR opens this page without a login (groups.cards). Short, for the QR.
    path("card/<str:token>/", card_views.card, name="member_card"),
    path("enterprise/", include("enterprise.urls")),
    path("housing/", include("housing.urls")),
    path("rent/", include("rent_collection.urls")),
    path("works/", include("works.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "songkhla_network.views.bad_request"
handler403 = "songkhla_network.views.permission_denied"
handler404 = "songkhla_network.views.page_not_found"
handler500 = "songkhla_network.views.server_error"
