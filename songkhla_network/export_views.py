"""The network's full copy of its records as Excel.

Leaders and staff may download it: staff read every record already and their work is exporting
lists (the issue gives them that role), and the network keeps its copy through them as much as
through its leaders. The copy holds people's personal data unmasked, so every download is written
in the personal-data access log with who and when, as the survey's exports are."""

from django.utils import timezone
from django.views.decorators.http import require_GET

from .excel import xlsx_response
from .full_export import full_copy
from .models import Role
from .roles import role_required
from .thai import be_year


@require_GET
@role_required(Role.STAFF)
def full_export(request):
    now = timezone.now()
    workbook, __ = full_copy(exported_by=request.user, now=now)
    day = timezone.localdate(now)
    return xlsx_response(workbook, f"songkhla-network-{be_year(day)}-{day:%m-%d}.xlsx")
