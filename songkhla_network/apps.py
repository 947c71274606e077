from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class SongkhlaNetworkConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "songkhla_network"
    verbose_name = _("Network")

    def ready(self):
        from . import thai

        thai.show_buddhist_era_years()


class ThaiAdminConfig(AdminConfig):
    default_site = "songkhla_network.admin_site.NetworkAdminSite"
