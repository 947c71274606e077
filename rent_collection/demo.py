"""Demo railway-land tenancies in four communities along the railway, with the arrears CODI
reported at the end of March 2565; a CODI letter for April 2565 – March 2566 naming the demo
collector (and the leader, for one community), the collector's receipts of April – June 2565 (one
voided, one with advance rent) and their remittance to CODI; a renewed letter, valid today and
ending within weeks, under which a few receipts of last month wait in the collectors' hands; one
rent raised from next month and one tenancy that ended this month. Every name is made up."""

import datetime
import random
from decimal import Decimal

from django.core.exceptions import ValidationError

from groups.selectors import current_members
from songkhla_network.demo_names import FIRST_NAMES, LAST_NAMES
from songkhla_network.models import Community, Person
from songkhla_network.thai import add_months, be_year, month_start

from . import selectors, services
from .models import CodiLetter, PaymentMethod, Receipt, Remittance, RentChange, Tenancy, TransferAccount

COMMUNITIES = ["ริมทางรถไฟ", "หลังสถานีรถไฟ", "ศาลาเหลือง", "บ่อนวัว"]
LEADERS_COMMUNITY = "บ่อนวัว"
TENANCIES_PER_COMMUNITY = 6
RENTS = [Decimal("100"), Decimal("150"), Decimal("150"), Decimal("200"), Decimal("250")]
OPENING_ON = datetime.date(2022, 3, 31)
OPENING_SOURCE = "หนังสือแจ้งยอดค้างชำระค่าเช่าที่ดินการรถไฟฯ ของ พอช. ณ วันที่ 31 มีนาคม 2565"
SIGNER = "นายวิรัตน์ มั่นคงดี ผู้อำนวยการสำนักงานภาคใต้ สถาบันพัฒนาองค์กรชุมชน"
FIRST_LETTER = "พอช.ใต้ 0312/2565"
FIRST_VALID = (datetime.date(2022, 4, 1), datetime.date(2023, 3, 31))
RECEIPT_MONTHS = [datetime.date(2022, 4, 1), datetime.date(2022, 5, 1), datetime.date(2022, 6, 1)]
REMITTANCE_REFERENCE = "กรุงไทย 650705-118274"
# The demo's PromptPay accounts: made-up mobile numbers, not anyone's account.
CODI_ACCOUNT = ("0800000001", "สถาบันพัฒนาองค์กรชุมชน (บัญชีทดลอง)")
COLLECTOR_ACCOUNT = "0800000002"


def seed(*, today, collector=None, leader=None):
    """Create what is missing of the demo; returns the parts created. Without a collector login
    (DEMO off) only the tenancies are made."""
    created = []
    if not Tenancy.objects.exists():
        _seed_tenancies()
        created.append("tenancies")
    if collector is None:
        return created
    communities = {c.name: c for c in Community.objects.filter(name__in=COMMUNITIES)}
    collectors = [(collector, [communities[n] for n in COMMUNITIES if n != LEADERS_COMMUNITY])]
    if leader is not None:
        collectors.append((leader, [communities[LEADERS_COMMUNITY]]))
    if not CodiLetter.objects.filter(number=FIRST_LETTER).exists():
        services.letter_record(
            number=FIRST_LETTER,
            date=datetime.date(2022, 3, 25),
            signed_by=SIGNER,
            valid_from=FIRST_VALID[0],
            valid_to=FIRST_VALID[1],
            assignments=collectors,
        )
        created.append("letter")
    # The renewal is valid today and ends within weeks, so leaders see a letter about to expire.
    valid_from = add_months(month_start(today), -11)
    renewal = f"พอช.ใต้ 0187/{be_year(valid_from)}"
    if valid_from > FIRST_VALID[1] and not CodiLetter.objects.filter(number=renewal).exists():
        services.letter_record(
            number=renewal,
            date=valid_from - datetime.timedelta(days=7),
            signed_by=SIGNER,
            valid_from=valid_from,
            valid_to=today + datetime.timedelta(days=20),
            assignments=collectors,
        )
        created.append("renewal")
    if leader is not None and not TransferAccount.objects.exists():
        # CODI's account for the remittance slips, and the collector's own for households paying
        # by transfer.
        services.transfer_account_set(
            kind=TransferAccount.Kind.CODI, promptpay_id=CODI_ACCOUNT[0], name=CODI_ACCOUNT[1], user=leader
        )
        services.transfer_account_set(
            kind=TransferAccount.Kind.COLLECTOR,
            collector=collector,
            promptpay_id=COLLECTOR_ACCOUNT,
            name=str(collector),
            user=leader,
        )
        created.append("PromptPay accounts")
    if not Receipt.objects.exists():
        _seed_receipts(collectors, today=today)
        created.append("receipts")
    if not RentChange.objects.filter(from_month__gt=OPENING_ON).exists():
        _seed_rent_change_and_end(today=today, user=leader or collector)
        created.append("rent change")
    if not Remittance.objects.exists():
        # The money of April – June 2565, transferred to CODI at the start of July 2565.
        transfer = datetime.date(2022, 7, 5)
        paid_in = list(Receipt.objects.filter(collector=collector, date__lt=transfer, void__isnull=True))
        if paid_in:
            services.remittance_post(
                collector=collector,
                receipts=paid_in,
                transfer_date=transfer,
                bank_reference=REMITTANCE_REFERENCE,
                amount=sum(r.amount for r in paid_in),
                user=collector,
                today=today,
            )
            created.append("remittance")
    return created


def _seed_rent_change_and_end(*, today, user):
    """The railway raises the rent of one plot from next month; another household moved out this
    month, leaving its arrears to be paid."""
    tenancies = list(Tenancy.objects.order_by("contract_number"))
    raised, moved_out = tenancies[0], tenancies[-1]
    next_month = add_months(month_start(today), 1)
    services.rent_change(
        tenancy=raised, from_month=next_month, amount=raised.rent_in(today) + Decimal("50"), user=user, today=today
    )
    if moved_out.ended_on is None:
        services.tenancy_end(tenancy=moved_out, ended_on=today, reason="ย้ายไปอยู่กับลูกที่หาดใหญ่", user=user, today=today)


def _seed_tenancies():
    rng = random.Random(2565_03)
    used = set(Person.objects.values_list("first_name", "last_name"))
    names = [(f, n) for f in FIRST_NAMES for n in LAST_NAMES if (f, n) not in used]
    rng.shuffle(names)
    number = 0
    for community_name in COMMUNITIES:
        community, __ = Community.objects.get_or_create(name=community_name)
        # Some tenants already save in the community's group: the same person, kept once.
        savers = [m.person for m in current_members().filter(group__community=community).order_by("number")[:2]]
        for i in range(TENANCIES_PER_COMMUNITY):
            number += 1
            if i < len(savers):
                tenant = savers[i]
            else:
                first, last = names.pop()
                tenant = {
                    "title": rng.choice(["นาง", "นาย", "นางสาว"]),
                    "first_name": first,
                    "last_name": last,
                    "phone": f"09{rng.randrange(10**7, 10**8)}",
                }
            rent = rng.choice(RENTS)
            services.tenancy_register(
                person=tenant,
                community=community,
                plot=f"{rng.randrange(1, 90)}/{i + 1}",
                contract_number=f"รฟท.สข. {number:03d}/2555",
                monthly_rent=rent,
                start_date=datetime.date(2012, rng.randrange(1, 13), 1),
                opening_balance=rent * rng.choice([0, 3, 6, 8, 12, 18, 24, 36]),
                opening_on=OPENING_ON,
                opening_source=OPENING_SOURCE,
            )


def _seed_receipts(collectors, *, today):
    """April – June 2565 in the collector's communities; last month, under the renewed letter,
    a few receipts in every community named (the leader's included)."""
    rng = random.Random(2565_04)
    by_community = {community.pk: user for user, communities in collectors for community in communities}
    first_collector = collectors[0][0]
    tenancies = list(Tenancy.objects.filter(community__in=by_community).order_by("contract_number"))
    advance_given = False
    for month in RECEIPT_MONTHS:
        for tenancy in tenancies:
            roll = rng.random()
            if by_community[tenancy.community_id] != first_collector or roll < 0.25:
                continue  # nothing paid this month
            amount = tenancy.rent_in(month) * (1 if roll < 0.7 else 2 if roll < 0.9 else 3)
            day = month.replace(day=5 + rng.randrange(0, 20))
            owed = selectors.receipt_preview(tenancy, day=day, amount=amount).owed
            accept_advance = False
            if amount > owed:
                if advance_given:
                    amount = owed
                else:
                    accept_advance = advance_given = True  # one household pays ahead
            if amount > 0:
                services.receipt_post(
                    collector=first_collector,
                    tenancy=tenancy,
                    date=day,
                    amount=amount,
                    user=first_collector,
                    accept_advance=accept_advance,
                    today=today,
                )
    # A receipt written for the wrong amount, voided and written again.
    wrong = Receipt.objects.filter(date__month=5, advance=0).order_by("number").first()
    if wrong is not None:
        services.receipt_void(
            receipt=wrong, reason="เขียนจำนวนเงินผิด ออกใบเสร็จใหม่แทน", user=wrong.collector, today=wrong.date
        )
        services.receipt_post(
            collector=wrong.collector,
            tenancy=wrong.tenancy,
            date=wrong.date,
            amount=wrong.amount - Decimal("50"),
            user=wrong.collector,
            today=today,
        )
    last_month = add_months(month_start(today), -1)
    for k, tenancy in enumerate(tenancies):
        if k % TENANCIES_PER_COMMUNITY >= 2:
            continue
        collector = by_community[tenancy.community_id]
        try:
            services.receipt_post(
                collector=collector,
                tenancy=tenancy,
                date=last_month.replace(day=10 + k % 7),
                amount=tenancy.rent_in(last_month) * 3,
                user=collector,
                today=today,
                # The first household of each community paid by transfer, with its slip's reference.
                **(
                    {"method": PaymentMethod.TRANSFER, "bank_reference": f"{be_year(last_month)}{last_month:%m}{k:08d}"}
                    if k % TENANCIES_PER_COMMUNITY == 0
                    else {}
                ),
            )
        except ValidationError:  # no letter valid last month (a demo made before the renewal)
            continue
