"""150 fictional households surveyed in December 2564 across the demo communities; some heads
already save in a group (the same person, kept once); the first 60 verified in January 2565 and
included in a draft proposal to CODI."""

import datetime
import random
from decimal import Decimal

from groups.selectors import current_members
from songkhla_network.demo_names import FIRST_NAMES, LAST_NAMES
from songkhla_network.models import Community, ConsentMethod, Person

from . import services
from .models import Household, Step, Tenure

HOUSEHOLDS = 150
REASONS = ["บ้านแออัด อยู่กันหลายครอบครัว", "ค่าเช่าสูงขึ้นทุกปี", "ถูกขอคืนพื้นที่", "บ้านทรุดโทรม น้ำท่วมทุกปี", "อยากมีบ้านเป็นของตัวเอง"]
BACKGROUND = (
    "ชุมชนแออัดในเขตเทศบาลนครสงขลาหลายแห่งตั้งอยู่บนที่ดินการรถไฟและที่ดินสาธารณะ ครัวเรือนจำนวนมากอยู่กันหลายครอบครัวในบ้านหลังเล็ก "
    "ค่าเช่าสูงขึ้นทุกปี และบางส่วนถูกขอคืนพื้นที่ เครือข่ายพัฒนาเมืองสงขลาจึงสำรวจครัวเรือนที่ต้องการย้ายออกเมื่อเดือนธันวาคม 2564 "
    "และตรวจสอบข้อมูลร่วมกับแกนนำชุมชน ครัวเรือนเหล่านี้ออมเงินร่วมกันในกลุ่มออมทรัพย์ของชุมชนเพื่อเตรียมผ่อนบ้านใหม่\n"
    "เครือข่ายจึงขอเสนอโครงการจัดหาที่ดินและก่อสร้างบ้านใหม่ในพื้นที่ที่ครัวเรือนเลือก โดยชุมชนเป็นผู้ดำเนินการเองตามแนวทางบ้านมั่นคง"
)
AREAS = ["เขารูปช้าง", "พะวง", "เกาะแต้ว", "ใกล้ชุมชนเดิม"]


def seed(*, user):
    if Household.objects.exists():
        return 0
    rng = random.Random(2564)
    communities = list(Community.objects.order_by("name"))
    savers = list(current_members().order_by("group__name", "number")[:40])
    used = set(Person.objects.values_list("first_name", "last_name"))
    names = [(f, n) for f in FIRST_NAMES for n in LAST_NAMES if (f, n) not in used]
    rng.shuffle(names)
    surveys = []
    for i in range(HOUSEHOLDS):
        surveyed_on = datetime.date(2021, 12, 1 + i % 28)
        if i % 4 == 0 and savers:
            member = savers.pop(0)
            head, community = member.person, member.group.community
        else:
            member, community = None, communities[i % len(communities)]
            name = names.pop()
            head = {
                "title": rng.choice(["นาง", "นาย", "นางสาว"]),
                "first_name": name[0],
                "last_name": name[1],
                "phone": f"09{rng.randrange(10**7, 10**8)}",
                "national_id": "",
                "community": community,
            }
        income = Decimal(rng.randrange(4000, 16000, 500))
        household = dict(
            community=community,
            address=f"{rng.randrange(1, 300)} ถนนในชุมชน{community.name}",
            adults=rng.randrange(1, 5),
            children=rng.randrange(0, 4),
            elderly=rng.randrange(0, 3),
            disabled=int(rng.random() < 0.1),
            tenure=rng.choice(
                [Tenure.RENTING, Tenure.RENTING, Tenure.RAILWAY, Tenure.PUBLIC, Tenure.RELATIVE, Tenure.OTHER]
            ),
            monthly_income=income,
            housing_cost=Decimal(rng.randrange(0, 3000, 100)),
            can_pay=(income * Decimal("0.15")).quantize(Decimal("100")),
            member=member,
            reason=rng.choice(REASONS),
            preferred_area=rng.choice(AREAS),
        )
        # Every head signed the survey's consent form (a few with a thumbprint).
        how = ConsentMethod.SIGNED_FORM if i % 10 else ConsentMethod.THUMBPRINT
        consent = {"given_on": surveyed_on, "how": how, "witness": ""}
        surveys.append(services.Survey(person=head, household=household, surveyed_on=surveyed_on, consent=consent))
    households = services.households_survey(surveys=surveys, user=user)
    for household in households[:60]:
        services.step_add(
            household=household, step=Step.VERIFIED, date=datetime.date(2022, 1, 15), reason="", user=user
        )
    proposal = services.proposal_create(
        title="โครงการจัดหาที่อยู่อาศัยใหม่ให้ผู้มีรายได้น้อยในชุมชนแออัด เทศบาลนครสงขลา",
        date=datetime.date(2022, 3, 1),
        target_site="ที่ดินตำบลเขารูปช้าง (ร่าง)",
        background=BACKGROUND,
        user=user,
    )
    for item, amount in [("ค่าที่ดิน", "4500000"), ("ค่าสาธารณูปโภค", "1800000"), ("ค่าก่อสร้างบ้าน (อุดหนุน)", "3000000")]:
        services.budget_line_add(proposal=proposal, item=item, amount=Decimal(amount))
    return HOUSEHOLDS
