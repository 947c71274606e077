from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class NetworkAdminSite(admin.AdminSite):
    site_header = _("Songkhla City Development Network")
    site_title = _("Network records")
    index_title = _("Records the leaders keep")

    def has_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_leader
