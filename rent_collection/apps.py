from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RentCollectionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "rent_collection"
    verbose_name = _("Railway-land rent collection")
