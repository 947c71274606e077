"""Demo capital that reproduces the report of 9 March 2565: the first donation, 5,000 baht from a
lecturer of Songkhla Rajabhat University, and the 5 % levy on the groups' deposits of
December 2564 – February 2565. The donor's name is made up."""

import datetime
from decimal import Decimal

from . import services
from .models import Donation, LevyPosting

DONOR = "อาจารย์สมหญิง ใจงาม"
FIRST_DONATION = Decimal("5000.00")
LEVY_FIRST, LEVY_LAST = datetime.date(2021, 12, 1), datetime.date(2022, 2, 1)


def seed(*, user):
    """Create the donation and the levy posting unless they exist. Returns what was created."""
    created = []
    if not Donation.objects.filter(donor=DONOR).exists():
        services.donation_post(
            donor=DONOR,
            donor_detail="มหาวิทยาลัยราชภัฏสงขลา",
            date=datetime.date(2022, 2, 25),
            amount=FIRST_DONATION,
            purpose="เงินทุนเริ่มต้นกิจการของกลุ่มคนจนเมืองบ่อยางสงขลา",
            user=user,
        )
        created.append("donation")
    if not LevyPosting.objects.filter(first_month=LEVY_FIRST, last_month=LEVY_LAST).exists():
        services.levy_post(first=LEVY_FIRST, last=LEVY_LAST, date=datetime.date(2022, 3, 5), user=user)
        created.append("levy")
    return created
