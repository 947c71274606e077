"""Test data, made as the app makes it: through the services wherever a service makes the thing
(a sheet, a receipt, a household), otherwise as the admin would. Each area has its section; a test
asks for what it needs by name."""

import datetime
import io
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext
from hypothesis import strategies as st
from openpyxl import Workbook
from PIL import Image

from enterprise import services as enterprise_services
from enterprise.models import Ingredient, Product, RawMaterial, Recipe, Supplier
from groups import services as group_services
from groups.interest import schedule
from groups.models import (
    FundEntry,
    FundEntryKind,
    GroupStatus,
    Loan,
    LoanEntry,
    LoanEntryKind,
    LoanMethod,
    LoanPurpose,
    Officer,
    SavingsGroup,
    WelfarePurpose,
)
from housing import importing
from housing import services as housing_services
from housing.models import Step, Tenure
from rent_collection import services as rent_services
from rent_collection.models import Receipt, ReceiptSeries
from songkhla_network.models import Community, ConsentMethod, User
from songkhla_network.thai import add_months, month_start

# People and their logins.

PASSWORD = "a-long-test-password-2565"
FOUNDED_ON = datetime.date(2021, 12, 5)


def make_user(username, role, **extra):
    user = User(username=username, role=role, first_name=extra.pop("first_name", username), **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_group(name, community_name, *, members=3, founded_on=FOUNDED_ON, commitment=Decimal("100.00")):
    """A group founded on `founded_on` whose members joined that day, each saving `commitment` a
    month from that month: made through the savings services as on that day."""
    community = Community.objects.create(name=community_name)
    group = SavingsGroup.objects.create(name=name, community=community, meeting_day=5, default_commitment=commitment)
    group_services.group_status_change(group=group, status=GroupStatus.FOUNDED, date=founded_on, today=founded_on)
    for number in range(1, members + 1):
        group_services.member_join(
            group=group,
            joined_on=founded_on,
            first_month=founded_on.replace(day=1),
            commitment=commitment,
            number=number,
            new_person={"first_name": f"สมาชิก{number}", "last_name": name},
            today=founded_on,
        )
    return group


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# Savings groups.

# The months of the demo's report and the one after: groups made by make_group save in all of them.
LEVY_MONTHS = [
    datetime.date(2021, 12, 1),
    datetime.date(2022, 1, 1),
    datetime.date(2022, 2, 1),
    datetime.date(2022, 3, 1),
]


def deposit_plans(groups=2, members=3):
    """A hypothesis strategy: deposits to post, each (group index, member number, month, amount,
    reversed), in satang that make the 5 % levy fall on and around half a satang."""
    amounts = st.one_of(
        st.integers(1, 2_000_000),
        st.sampled_from([1, 10, 30, 50, 90, 10_050, 10_010]),  # 0.005, 0.025 ... baht of levy
    ).map(lambda satang: Decimal(satang) / 100)
    deposit = st.tuples(
        st.integers(0, groups - 1), st.integers(1, members), st.sampled_from(LEVY_MONTHS), amounts, st.booleans()
    )
    return st.lists(deposit, max_size=12)


def month_splits():
    """A hypothesis strategy: LEVY_MONTHS cut into periods that follow each other, [(first, last)]."""
    return st.sets(st.integers(1, len(LEVY_MONTHS) - 1)).map(
        lambda cuts: [
            (LEVY_MONTHS[start], LEVY_MONTHS[end - 1])
            for start, end in zip([0, *sorted(cuts)], [*sorted(cuts), len(LEVY_MONTHS)], strict=True)
        ]
    )


def post_deposits(plan, *, groups, user):
    """Post a deposit_plans() plan through the savings services: each deposit on the 5th of its
    month, a reversed one reversed on the 6th."""
    for group_index, number, month, amount, reversed_ in plan:
        entry = group_services.deposit_post(
            member=groups[group_index].members.get(number=number),
            month=month,
            date=month.replace(day=5),
            amount=amount,
            user=user,
        )
        if reversed_:
            group_services.entry_reverse(entry=entry, date=month.replace(day=6), reason="ผิดยอด", user=user)


def make_loan(member, amount, *, paid_out_on, repaid_on=(), user):
    """A loan of `amount` to `member` at 1 % a month, flat, over 4 months, paid out on
    `paid_out_on`, and its first instalments repaid one on each day of `repaid_on`: the money rows
    loan_disburse and sheet_post write (groups.interest.schedule's interest and principal), for
    the pages that read loans back (the rules for making one are tested in tests/groups)."""
    loan = Loan.objects.create(
        group=member.group,
        member=member,
        purpose=LoanPurpose.EMERGENCY,
        amount=Decimal(amount),
        months=4,
        monthly_rate=Decimal("1"),
        method=LoanMethod.FLAT,
        applied_on=paid_out_on,
        applied_by=user,
    )
    rows = [(LoanEntryKind.DISBURSEMENT, month_start(paid_out_on), paid_out_on, loan.amount)]
    instalments = schedule(loan.amount, loan.monthly_rate, 4, loan.method, add_months(month_start(paid_out_on), 1))
    for instalment, day in zip(instalments, repaid_on, strict=False):
        rows.append((LoanEntryKind.INTEREST, instalment.month, day, instalment.interest))
        rows.append((LoanEntryKind.PRINCIPAL, instalment.month, day, instalment.principal))
    for kind, month, day, part in rows:
        LoanEntry.objects.create(
            group=member.group, loan=loan, kind=kind, month=month, date=day, amount=part, posted_by=user
        )
    return loan


def make_welfare(member, amount, day, *, user, reverses=None):
    """A welfare payout to `member` on `day`, approved by an officer of the group (its first member
    made chair when it has none), or with `reverses` its reversal: the row the welfare service
    writes, for the pages that read it back."""
    officer = Officer.objects.filter(group=member.group).first() or Officer.objects.create(
        group=member.group, person=member.person, position=Officer.Position.CHAIR, since=member.joined_on
    )
    return FundEntry.objects.create(
        group=member.group,
        kind=FundEntryKind.WELFARE,
        member=member,
        welfare_purpose=WelfarePurpose.ILLNESS,
        approved_by=officer,
        amount=-reverses.amount if reverses else Decimal(amount),
        date=day,
        reverses=reverses,
        reason="จ่ายซ้ำ" if reverses else "",
        posted_by=user,
    )


# The enterprise.


def make_products(today):
    """Rice and eggs from one supplier, as the network buys them: for the tests of every area."""
    supplier = Supplier.objects.create(name="ร้านข้าว")
    return [
        Product.objects.create(
            name="ข้าวสาร",
            unit="ถุง 5 กก.",
            supplier=supplier,
            pack_name="กระสอบ",
            units_per_pack=6,
            pack_price=Decimal("780"),
            member_price=Decimal("140"),
            retail_price=Decimal("165"),
            retail_seen_on=today,
        ),
        Product.objects.create(
            name="ไข่ไก่",
            unit="แผง",
            supplier=supplier,
            pack_name="ลัง",
            units_per_pack=10,
            pack_price=Decimal("1050"),
            member_price=Decimal("112"),
            retail_price=Decimal("130"),
            retail_seen_on=today,
        ),
    ]


def donate(leader, amount="5000", date=datetime.date(2022, 2, 25)):
    """A donation from a lecturer, posted as the leader posts it."""
    return enterprise_services.donation_post(
        donor="อาจารย์ใจดี",
        donor_detail="มหาวิทยาลัยราชภัฏสงขลา",
        date=date,
        amount=Decimal(amount),
        purpose="ทุนเริ่มต้น",
        user=leader,
    )


def make_recipe(leader, day, *, n70="10", salt="4"):
    """Dishwashing liquid (20 litres a batch of 2 kg of N70 and 1 kg of salt), its materials bought
    on `day`: N70 at 70 baht a kg, salt at 10."""
    materials = {name: RawMaterial.objects.create(name=name, unit="กก.") for name in ("หัวเชื้อ N70", "เกลือ")}
    for name, quantity, price in (("หัวเชื้อ N70", n70, 70), ("เกลือ", salt, 10)):
        enterprise_services.material_buy(
            material=materials[name],
            quantity=Decimal(quantity),
            cost=Decimal(quantity) * price,
            date=day,
            user=leader,
        )
    recipe = Recipe.objects.create(
        name="น้ำยาล้างจาน", expected_litres=Decimal("20"), member_price=Decimal("15"), community_price=Decimal("20")
    )
    Ingredient.objects.create(recipe=recipe, material=materials["หัวเชื้อ N70"], quantity=Decimal("2"))
    Ingredient.objects.create(recipe=recipe, material=materials["เกลือ"], quantity=Decimal("1"))
    return recipe


# Housing.

CONSENT = {"given_on": datetime.date(2021, 12, 10), "how": ConsentMethod.SIGNED_FORM, "witness": ""}


def survey(
    community,
    leader,
    first_name="สมใจ",
    national_id="",
    *,
    last_name="รักบ้าน",
    member=None,
    surveyed_on=None,
    **changes,
):
    """A household of `community` surveyed by `leader` through the survey's service (in December
    2564 unless said), its head's consent given on the day; `changes`: other fields of the
    household (adults, tenure, monthly_income, can_pay...)."""
    surveyed_on = surveyed_on or datetime.date(2021, 12, 10)
    return housing_services.household_survey(
        person={
            "title": "นาง",
            "first_name": first_name,
            "last_name": last_name,
            "phone": "081",
            "national_id": national_id,
            "community": community,
            "address": "",
        },
        household={
            "community": community,
            "address": "",
            "adults": 2,
            "children": 1,
            "elderly": 0,
            "disabled": 0,
            "tenure": Tenure.RENTING,
            "monthly_income": Decimal("9000"),
            "housing_cost": Decimal("1500"),
            "can_pay": Decimal("1200"),
            "member": member,
            "reason": "",
            "preferred_area": "",
            **changes,
        },
        surveyed_on=surveyed_on,
        consent={**CONSENT, "given_on": surveyed_on},
        user=leader,
    )


def verified(community, leader, first_name="สมใจ", *, verified_on=datetime.date(2022, 1, 5), **survey_fields):
    """A household surveyed (see `survey`) and verified on `verified_on`: ready for a proposal."""
    household = survey(community, leader, first_name, **survey_fields)
    housing_services.step_add(household=household, step=Step.VERIFIED, date=verified_on, reason="", user=leader)
    return household


def form_data(community, **changes):
    """The survey form as a leader fills it in on a phone (Thai digits and separators included)."""
    data = {
        "title": "นาง",
        "first_name": "สมใจ",
        "last_name": "รักบ้าน",
        "phone": "0812345678",
        "national_id": "",
        "community": community.pk,
        "address": "12 ซอย 3",
        "adults": "2",
        "children": "๑",
        "elderly": "0",
        "disabled": "0",
        "tenure": Tenure.RENTING,
        "monthly_income": "9,000",
        "housing_cost": "1500",
        "can_pay": "1,200",
        "member": "",
        "reason": "บ้านแออัด",
        "preferred_area": "เขารูปช้าง",
        "surveyed_on": "10/12/2564",
        "consent_given": "on",
        "consent_on": "10/12/2564",
        "consent_how": ConsentMethod.SIGNED_FORM,
        "consent_witness": "",
    }
    data.update(changes)
    return data


# The survey's import from a spreadsheet.


def header():
    """The import template's header row."""
    return [str(label) for _key, label in importing.COLUMNS]


def consent_cells(how=ConsentMethod.SIGNED_FORM):
    """The consent columns as a leader fills them in, in the language of the template."""
    return {
        "consent_given": gettext("yes"),
        "consent_on": "15/12/2564",
        "consent_how": str(how.label),
        "consent_witness": "",
    }


def row(where, first_name="สมใจ", **changes):
    """A row of the import template, filled in right, for a household of community `where`."""
    values = {
        "title": "นาง",
        "first_name": first_name,
        "last_name": "รักบ้าน",
        "phone": "0812345678",
        "national_id": "",
        "community": where.name,
        "address": "12 ซอย 3",
        "adults": "2",
        "children": "1",
        "elderly": "0",
        "disabled": "0",
        "tenure": "เช่า",
        "monthly_income": "9,000",
        "housing_cost": "1500",
        "can_pay": "1200",
        "reason": "บ้านแออัด",
        "preferred_area": "เขารูปช้าง",
        "surveyed_on": "15/12/2564",
        **consent_cells(),
    }
    values.update(changes)
    return [values[key] for key, _label in importing.COLUMNS]


def xlsx(rows, name="survey.xlsx"):
    """The rows as an uploaded Excel file."""
    workbook = Workbook()
    for r in rows:
        workbook.active.append(r)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def upload(client, file):
    """The file sent to the import page: a preview, or the errors to fix."""
    return client.post(reverse("housing:import"), {"file": file})


def confirm(client, response):
    """The leader confirms the preview `response` showed: the households are imported."""
    return client.post(reverse("housing:import_confirm"), {"token": response.context["token"]})


# Railway-land rent: a tenancy owing 1,000 baht at the end of March 2565, 200 a month since; a
# CODI letter for April 2565 – March 2566; receipts posted as on the last day of June 2565.

RENT_OPENING_ON = datetime.date(2022, 3, 31)
RENT_LETTER_FROM, RENT_LETTER_TO = datetime.date(2022, 4, 1), datetime.date(2023, 3, 31)
RENT_TODAY = datetime.date(2022, 6, 30)
_rent_numbers = itertools.count(1)
# Letters numbered from 1000: the tests' own letter is "พอช. 0312/2565", and numbers are unique.
_letter_numbers = itertools.count(1000)


def make_tenancy(
    community, *, rent="200", opening="1000", opening_on=RENT_OPENING_ON, start=datetime.date(2012, 1, 1), name=None
):
    number = next(_rent_numbers)
    return rent_services.tenancy_register(
        person={"first_name": name or f"ผู้เช่า{number}", "last_name": community.name},
        community=community,
        plot=f"{number}/1",
        contract_number=f"รฟท. {number:04d}",
        monthly_rent=Decimal(rent),
        start_date=start,
        opening_balance=Decimal(opening),
        opening_on=opening_on,
        opening_source="หนังสือแจ้งยอดค้างชำระ พอช. 31 มี.ค. 2565",
    )


def make_letter(assignments, *, number=None, valid_from=RENT_LETTER_FROM, valid_to=RENT_LETTER_TO):
    """A CODI letter naming each (collector, [communities]) of `assignments`."""
    return rent_services.letter_record(
        number=number or f"พอช. {next(_letter_numbers):04d}/2565",
        date=valid_from - datetime.timedelta(days=5),
        signed_by="ผู้อำนวยการสำนักงานภาคใต้",
        valid_from=valid_from,
        valid_to=valid_to,
        assignments=assignments,
    )


def make_receipt(collector, tenancy, amount="200", date=datetime.date(2022, 4, 10), *, today=RENT_TODAY, **extra):
    """The collector's receipt for `amount` baht, posted as on `today` (RENT_TODAY)."""
    return rent_services.receipt_post(
        collector=collector,
        tenancy=tenancy,
        date=date,
        amount=Decimal(amount),
        user=collector,
        today=today,
        **extra,
    )


def make_remittance(
    collector, receipts, transfer_date=datetime.date(2022, 5, 5), *, amount=None, reference="KTB-0001", today=RENT_TODAY
):
    """The collector's transfer to CODI of `receipts`, of their total unless `amount` is given,
    posted as on `today` (RENT_TODAY)."""
    return rent_services.remittance_post(
        collector=collector,
        receipts=receipts,
        transfer_date=transfer_date,
        bank_reference=reference,
        amount=Decimal(amount) if amount is not None else sum((r.amount for r in receipts), Decimal("0")),
        user=collector,
        today=today,
    )


def receipt_refused(work):
    """The ValidationError `work` raises; and no receipt was written, no number used."""
    receipts, series = Receipt.objects.count(), list(ReceiptSeries.objects.values_list("collector", "next_number"))
    with pytest.raises(ValidationError) as error:
        work()
    assert Receipt.objects.count() == receipts
    assert list(ReceiptSeries.objects.values_list("collector", "next_number")) == series
    return error.value


def make_void(receipt, *, on, reason="เขียนจำนวนเงินผิด"):
    """The receipt voided by its collector, the void dated `on`."""
    return rent_services.receipt_void(receipt=receipt, reason=reason, user=receipt.collector, today=on)


def be_day(day):
    """A day as a B.E. date field takes it: 9/3/2565."""
    return f"{day.day}/{day.month}/{day.year + 543}"


# Community works.

GPS_IFD = 0x8825


def jpeg_with_location(size=(2400, 1800), fmt="JPEG"):
    """A photo as a phone writes it: EXIF with the camera, the time and where it was taken."""
    image = Image.new("RGB", size, (30, 140, 80))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0132] = "2022:03:16 13:00:00"  # DateTime
    exif[0x0112] = 6  # Orientation: rotate 90° to show upright
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (7.0, 12.0, 30.0), 3: "E", 4: (100.0, 35.0, 10.0)})
    buffer = io.BytesIO()
    image.save(buffer, fmt, exif=exif.tobytes())
    return SimpleUploadedFile("IMG_20220316.jpg", buffer.getvalue(), content_type="image/jpeg")


# The demo.

# The period of the network's report of 9 March 2565 (December 2564 – February 2565), as the
# report's period form sends it.
DEMO_PERIOD = {"first_0": "12", "first_1": "2564", "last_0": "2", "last_1": "2565"}
