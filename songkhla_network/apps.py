from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class SongkhlaNetworkConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "songkhla_network"
    verbose_name = _("Network")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from . import thai
        from .middleware import mark_session_seen

        thai.show_buddhist_era_years()
        user_logged_in.connect(mark_session_seen, dispatch_uid="songkhla_mark_session_seen")


class ThaiAdminConfig(AdminConfig):
    default_site = "songkhla_network.admin_site.NetworkAdminSite"
