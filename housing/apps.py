from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HousingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "housing"
    verbose_name = _("Housing relocation")
