from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    """What reads every program area: the dashboard, the progress report to CODI, the full Excel
    copy, a person's data under the PDPA and the demo network. It has no tables of its own."""

    name = "network"
    verbose_name = _("The whole network")
