"""The network's full copy of its records as Excel.

Leaders and staff may download it: staff read every record already and their work is exporting
lists (the issue gives them that role), and the network keeps its copy through them as much as
through its leaders. The copy holds people's personal data unmasked, so every download is written
in the personal-data access log with who and when, as the survey's exports are."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .excel import xlsx_response
from .full_export import full_export_workbook
from .models import Access, PersonalDataAccess, Role
from .roles import role_required
from .thai import be_year


@require_GET
@role_required(Role.STAFF)
def full_export(request):
    now = timezone.now()
    workbook, people = full_export_workbook(exported_by=request.user, now=now)
    PersonalDataAccess.objects.create(
        user=request.user, action=Access.EXPORTED, what=_("Full copy of the network's records (Excel)"), rows=people
    )
    day = timezone.localdate(now)
    return xlsx_response(workbook, f"songkhla-network-{be_year(day)}-{day:%m-%d}.xlsx")
