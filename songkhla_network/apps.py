from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class SongkhlaNetworkConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "songkhla_network"
    verbose_name = _("Network")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import thai
        from .middleware import mark_session_seen
        from .two_factor import mark_pending

        thai.show_buddhist_era_years()
        user_logged_in.connect(mark_session_seen, dispatch_uid="songkhla_mark_session_seen")
        user_logged_in.connect(mark_pending, dispatch_uid="songkhla_second_factor_pending")


class ThaiAdminConfig(AdminConfig):
    default_site = "songkhla_network.admin_site.NetworkAdminSite"

    def ready(self) -> None:
        super().ready()
        from django.contrib import admin
        from django_otp.plugins.otp_totp.models import TOTPDevice

        # django-otp's own admin of devices shows the secret's QR code to any leader; a lost phone
        # is handled on the user's admin page instead ("turn off the second factor").
        if admin.site.is_registered(TOTPDevice):
            admin.site.unregister(TOTPDevice)
