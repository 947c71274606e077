"""The permission matrix: every named URL of the URLconf, asked for with GET by every persona, on
objects of group A / community A and of group B / another community, answers what EXPECTATIONS
says. A URL added without an expectation fails the suite, and so does an expectation left behind
by a URL that is gone. No answer is a server error.

Each persona's test builds one dataset with the apps' own services and asks for every URL once.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from enterprise import services as enterprise_services
from enterprise.models import Allocation, Product, Supplier
from groups import services as group_services
from housing import services as housing_services
from housing.models import BudgetLine, Step, Tenure
from rent_collection import services as rent_services
from songkhla_network.models import ConsentMethod, Role
from songkhla_network.thai import be_month_slug
from tests.conftest import make_user
from tests.works.test_views import jpeg_with_location
from works import services as works_services
from works.models import Contest, Level, WorkKind

pytestmark = pytest.mark.django_db

PERSONAS = ("leader", "treasurer_a", "treasurer_b", "collector", "staff", "anonymous")

# A redirect to a sign-in page (the app's, or the admin's for the admin index).
LOGIN = "login"
SIGN_IN_PAGES = ("login", "admin:login")

# Each URL name: {objects: answers}. The objects are "" (none, or the network's shared ones),
# "A" (group A, its community, the collector's community) or "B" (group B, its community, where
# the collector holds no letter). The answers are to GET, one per persona, in this order:
#
#                                        leader  tr_a   tr_b   coll   staff  anonymous
EXPECTATIONS = {
    # The shared pages.
    "home":                         {"":  (200,   302,   302,   302,   200,   LOGIN)},
    "ping":                         {"":  (200,   200,   200,   200,   200,   200)},
    "health":                       {"":  (200,   200,   200,   200,   200,   200)},
    "report":                       {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "report_pdf":                   {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "report_xlsx":                  {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "full_export":                  {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "login":                        {"":  (302,   302,   302,   302,   302,   200)},
    "logout":                       {"":  (405,   405,   405,   405,   405,   405)},
    "password_change":              {"":  (200,   200,   200,   200,   200,   LOGIN)},
    "password_change_done":         {"":  (200,   200,   200,   200,   200,   LOGIN)},
    # The leaders' second factor: the QR code only while a new secret waits for its first code,
    # the code page only for a sign-in waiting for it (others are sent home).
    "second_factor":                {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "second_factor_setup":          {"":  (302,   403,   403,   403,   403,   LOGIN)},
    "second_factor_qr":             {"":  (404,   403,   403,   403,   403,   LOGIN)},
    "second_factor_off":            {"":  (405,   405,   405,   405,   405,   405)},
    "second_factor_verify":         {"":  (302,   302,   302,   302,   302,   302)},
    "admin:index":                  {"":  (200,   LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)},
    # Personal data under the PDPA: the leaders' only.
    "people:search":                {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "people:log":                   {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "people:detail":                {"A": (200,   403,   403,   403,   403,   LOGIN)},
    "people:export":                {"A": (200,   403,   403,   403,   403,   LOGIN)},
    "people:erase":                 {"A": (200,   403,   403,   403,   403,   LOGIN)},
    # Savings groups: a treasurer knows of their own group only; staff read but never post.
    "groups:list":                  {"":  (200,   302,   302,   403,   200,   LOGIN)},
    "groups:summary":               {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "groups:detail":                {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "groups:sheet_choose":          {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "groups:sheet":                 {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "groups:passbook":              {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "groups:deposit":               {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "groups:withdraw":              {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "groups:reverse":               {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    # The enterprise: leaders run it, staff read its books, treasurers order and take payments
    # for their own members.
    "enterprise:overview":          {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:cash_book":         {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:cash_reverse":      {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "enterprise:donations":         {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:donation_new":      {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "enterprise:donation":          {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:levy":              {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:rounds":            {"":  (200,   200,   200,   403,   200,   LOGIN)},
    "enterprise:round_new":         {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "enterprise:round":             {"":  (200,   200,   200,   403,   200,   LOGIN)},
    "enterprise:order_sheet":       {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "enterprise:purchase_orders":   {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:round_receive":     {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "enterprise:pickup":            {"":  (200,   200,   200,   403,   200,   LOGIN)},
    "enterprise:pickup_pdf":        {"":  (200,   200,   200,   403,   200,   LOGIN)},
    "enterprise:payment":           {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "enterprise:allocation":        {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "enterprise:stock":             {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:production":        {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:statement":         {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:statement_xlsx":    {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "enterprise:material_buy":      {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "enterprise:batch_new":         {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "enterprise:liquid_sale":       {"":  (200,   403,   403,   403,   403,   LOGIN)},
    # Housing: treasurers see their communities' households (without personal data); the
    # proposal and the exports are for leaders and staff; writes are the leaders'.
    "housing:list":                 {"":  (200,   200,   200,   403,   200,   LOGIN)},
    "housing:new":                  {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "housing:xlsx":                 {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "housing:import":               {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "housing:import_confirm":       {"":  (405,   403,   403,   403,   403,   LOGIN)},
    "housing:import_template_xlsx": {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "housing:import_template_csv":  {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "housing:detail":               {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "housing:step":                 {"A": (405,   403,   403,   403,   403,   LOGIN)},
    "housing:proposals":            {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "housing:proposal_new":         {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "housing:proposals_xlsx":       {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "housing:proposal_households":  {"":  (405,   403,   403,   403,   403,   LOGIN)},
    "housing:proposal_household_remove": {"": (405, 403,  403,   403,   403,   LOGIN)},
    "housing:proposal_budget":      {"":  (405,   403,   403,   403,   403,   LOGIN)},
    "housing:proposal_budget_remove": {"": (405,  403,   403,   403,   403,   LOGIN)},
    "housing:proposal":             {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "housing:proposal_pdf":         {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "housing:proposal_xlsx":        {"":  (200,   403,   403,   403,   200,   LOGIN)},
    # Rent: treasurers have no part; a collector reads the communities their letters name and
    # their own receipts and remittances; staff read everything; leaders do everything.
    "rent:overview":                {"":  (200,   403,   403,   200,   200,   LOGIN)},
    "rent:tenancies":               {"":  (200,   403,   403,   200,   200,   LOGIN)},
    "rent:tenancies_xlsx":          {"":  (200,   403,   403,   200,   200,   LOGIN)},
    "rent:tenancy":                 {"A": (200,   403,   403,   200,   200,   LOGIN),
                                     "B": (200,   403,   403,   404,   200,   LOGIN)},
    "rent:statement_xlsx":          {"A": (200,   403,   403,   200,   200,   LOGIN),
                                     "B": (200,   403,   403,   404,   200,   LOGIN)},
    "rent:collect":                 {"A": (200,   403,   403,   200,   403,   LOGIN),
                                     "B": (200,   403,   403,   404,   403,   LOGIN)},
    "rent:receipts":                {"":  (200,   403,   403,   200,   200,   LOGIN)},
    "rent:receipts_xlsx":           {"":  (200,   403,   403,   200,   200,   LOGIN)},
    "rent:receipt":                 {"A": (200,   403,   403,   200,   200,   LOGIN),
                                     "B": (200,   403,   403,   404,   200,   LOGIN)},
    "rent:receipt_pdf":             {"A": (200,   403,   403,   200,   200,   LOGIN),
                                     "B": (200,   403,   403,   404,   200,   LOGIN)},
    # POST-only: the role check runs first, then the method; whose receipt it is comes last.
    "rent:void":                    {"A": (405,   403,   403,   405,   403,   LOGIN),
                                     "B": (405,   403,   403,   405,   403,   LOGIN)},
    "rent:remittances":             {"":  (200,   403,   403,   200,   200,   LOGIN)},
    "rent:remittance_new":          {"":  (200,   403,   403,   200,   403,   LOGIN)},
    "rent:remittance":              {"A": (200,   403,   403,   200,   200,   LOGIN),
                                     "B": (200,   403,   403,   404,   200,   LOGIN)},
    "rent:letters":                 {"":  (200,   403,   403,   200,   200,   LOGIN)},
    "rent:letter_request":          {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "rent:reconciliation":          {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "rent:reconciliation_xlsx":     {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "rent:progress":                {"":  (200,   403,   403,   403,   200,   LOGIN)},
    "rent:progress_xlsx":           {"":  (200,   403,   403,   403,   200,   LOGIN)},
    # Community works: treasurers see and add to their own communities; collectors have no part;
    # contests are the leaders' to record.
    "works:list":                   {"":  (200,   200,   200,   403,   200,   LOGIN)},
    "works:portfolio":              {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "works:portfolio_pdf":          {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "works:new":                    {"A": (200,   200,   404,   403,   403,   LOGIN),
                                     "B": (200,   404,   200,   403,   403,   LOGIN)},
    "works:work":                   {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "works:quantity":               {"A": (405,   405,   405,   403,   403,   LOGIN),
                                     "B": (405,   405,   405,   403,   403,   LOGIN)},
    "works:photo":                  {"A": (405,   405,   405,   403,   403,   LOGIN),
                                     "B": (405,   405,   405,   403,   403,   LOGIN)},
    "works:photo_large":            {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "works:photo_small":            {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "works:contests":               {"":  (200,   200,   200,   403,   200,   LOGIN)},
    "works:contest_new":            {"":  (200,   403,   403,   403,   403,   LOGIN)},
    "works:contest":                {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
    "works:entry":                  {"":  (405,   403,   403,   403,   403,   LOGIN)},
    "works:result":                 {"":  (405,   403,   403,   403,   403,   LOGIN)},
    "works:document":               {"":  (405,   403,   403,   403,   403,   LOGIN)},
    "works:document_file":          {"A": (200,   200,   404,   403,   200,   LOGIN),
                                     "B": (200,   404,   200,   403,   200,   LOGIN)},
}  # fmt: skip

# POST-only views answer GET with 405 to whoever passes the role check, before the object is
# looked up. Whose object it is decides the POST: someone else's is a 404, as for GET elsewhere.
# (An empty POST: nothing is written, whatever the answer.)
POST_EXPECTATIONS = {
    ("works:quantity", "A"): {"treasurer_b": 404},
    ("works:quantity", "B"): {"treasurer_a": 404},
    ("works:photo", "A"): {"treasurer_b": 404},
    ("works:photo", "B"): {"treasurer_a": 404},
    ("rent:void", "B"): {"collector": 404},
}

# Which object of the dataset fills each argument of a URL: {url name: {argument: attribute}}.
# The attribute is read on the side the expectation names (A, or B; "" reads side A, whose
# shared objects — rounds, donations, the proposal — are the network's).
ARGUMENTS = {
    "people:detail": {"pk": "person"},
    "people:export": {"pk": "person"},
    "people:erase": {"pk": "person"},
    "groups:detail": {"pk": "group"},
    "groups:sheet_choose": {"pk": "group"},
    "groups:sheet": {"pk": "group", "month": "sheet_month"},
    "groups:passbook": {"pk": "group", "member_pk": "member"},
    "groups:deposit": {"pk": "group", "member_pk": "member"},
    "groups:withdraw": {"pk": "group", "member_pk": "member"},
    "groups:reverse": {"pk": "group", "entry_pk": "entry"},
    "enterprise:cash_reverse": {"pk": "cash_entry"},
    "enterprise:donation": {"pk": "donation"},
    "enterprise:round": {"pk": "received_round"},
    "enterprise:order_sheet": {"pk": "received_round", "group_pk": "group"},
    "enterprise:purchase_orders": {"pk": "received_round"},
    "enterprise:round_receive": {"pk": "closed_round"},
    "enterprise:pickup": {"pk": "received_round"},
    "enterprise:pickup_pdf": {"pk": "received_round"},
    "enterprise:payment": {"pk": "received_round", "member_pk": "member"},
    "enterprise:allocation": {"pk": "allocation"},
    "housing:detail": {"pk": "household"},
    "housing:step": {"pk": "household"},
    "housing:proposal_households": {"pk": "proposal"},
    "housing:proposal_household_remove": {"pk": "proposal", "household_pk": "household"},
    "housing:proposal_budget": {"pk": "proposal"},
    "housing:proposal_budget_remove": {"pk": "proposal", "line_pk": "budget_line"},
    "housing:proposal": {"pk": "proposal"},
    "housing:proposal_pdf": {"pk": "proposal"},
    "housing:proposal_xlsx": {"pk": "proposal"},
    "rent:tenancy": {"pk": "tenancy"},
    "rent:statement_xlsx": {"pk": "tenancy"},
    "rent:collect": {"pk": "tenancy"},
    "rent:receipt": {"pk": "receipt"},
    "rent:receipt_pdf": {"pk": "receipt"},
    "rent:void": {"pk": "receipt"},
    "rent:remittance": {"pk": "remittance"},
    "works:portfolio": {"pk": "community"},
    "works:portfolio_pdf": {"pk": "community"},
    "works:new": {"pk": "community"},
    "works:work": {"pk": "work"},
    "works:quantity": {"pk": "work"},
    "works:photo": {"pk": "work"},
    "works:photo_large": {"pk": "photo"},
    "works:photo_small": {"pk": "photo"},
    "works:contest": {"pk": "contest"},
    "works:entry": {"pk": "contest"},
    "works:result": {"pk": "contest"},
    "works:document": {"pk": "contest"},
    "works:document_file": {"pk": "document"},
}


# Walking the URLconf.


def _is_static_helper(pattern):
    module = getattr(pattern.callback, "__module__", "")
    return module in ("django.views.static", "django.contrib.staticfiles.views")


def url_patterns(patterns=None, namespace="", route=""):
    """(full name or None, route) of every pattern the app serves: includes walked, the admin's
    own pages left out but for its index, static and media helpers left out."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        here = route + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if pattern.app_name == "admin":
                yield f"{inner}index", here
                continue
            yield from url_patterns(pattern.url_patterns, inner, here)
        elif isinstance(pattern, URLPattern) and not _is_static_helper(pattern):
            yield (f"{namespace}{pattern.name}" if pattern.name else None), here


def test_every_url_has_an_expectation_and_every_expectation_a_url():
    patterns = list(url_patterns())
    names = {name for name, _route in patterns if name}
    problems = [f"the URL {route!r} has no name: give it one and an expectation" for name, route in patterns if not name]
    problems += [f"no expectation for {name}" for name in sorted(names - set(EXPECTATIONS))]
    problems += [f"an expectation for {name}, which is no longer a URL" for name in sorted(set(EXPECTATIONS) - names)]
    problems += [f"arguments given for {name}, which is no longer a URL" for name in sorted(set(ARGUMENTS) - names)]
    for name, cases in EXPECTATIONS.items():
        problems += [f"{name} [{side}]: {len(answers)} answers for {len(PERSONAS)} personas" for side, answers in cases.items() if len(answers) != len(PERSONAS)]
        problems += [f"{name}: unknown objects {side!r} (use '', 'A' or 'B')" for side in cases if side not in ("", "A", "B")]
    assert not problems, "\n".join(problems)
    assert len(names) >= 90  # the walk found the app's URLs, not an empty resolver


# One coherent network to ask about.


def _sides(*, leader, collector, group_a, group_b):
    """Group A (community A, where the persona collector holds a letter) and group B (community
    B, whose rent another collector takes), each with a member, a posted sheet and its ledger
    rows, a household, a tenancy with a receipt and a remittance, a work with a photo and a
    contest with an entry and a document; and the network's enterprise and housing proposal."""
    today = timezone.localdate()
    month = datetime.date(2022, 2, 1)
    sides = {}
    for key, group, rent_collector in [("A", group_a, collector), ("B", group_b, make_user("collector_b", Role.COLLECTOR))]:
        community = group.community
        member = group.members.order_by("number").first()
        sheet = group_services.sheet_post(
            group=group, month=month, paid_on=datetime.date(2022, 2, 5),
            amounts={m.pk: Decimal("100.00") for m in group.members.all()}, user=leader,
        )  # fmt: skip
        household = housing_services.household_survey(
            person={"title": "นาง", "first_name": f"ครัวเรือน{key}", "last_name": community.name, "phone": "081",
                    "national_id": "", "community": community, "address": ""},
            household={"community": community, "address": "", "adults": 2, "children": 1, "elderly": 0, "disabled": 0,
                       "tenure": Tenure.RENTING, "monthly_income": Decimal("9000"), "housing_cost": Decimal("1500"),
                       "can_pay": Decimal("1200"), "member": member, "reason": "", "preferred_area": ""},
            surveyed_on=datetime.date(2021, 12, 10), user=leader,
            consent={"given_on": datetime.date(2021, 12, 10), "how": ConsentMethod.SIGNED_FORM, "witness": ""},
        )  # fmt: skip
        tenancy = rent_services.tenancy_register(
            person={"first_name": f"ผู้เช่า{key}", "last_name": community.name}, community=community, plot=f"{key}/1",
            contract_number=f"รฟท. {key}", monthly_rent=Decimal("200"), start_date=datetime.date(2012, 1, 1),
            opening_balance=Decimal("1000"), opening_on=today - datetime.timedelta(days=45),
            opening_source="หนังสือแจ้งยอดค้างชำระ พอช.",
        )  # fmt: skip
        rent_services.letter_record(
            number=f"พอช. {key}", date=today - datetime.timedelta(days=35), signed_by="ผู้อำนวยการสำนักงานภาคใต้",
            valid_from=today - datetime.timedelta(days=30), valid_to=today + datetime.timedelta(days=300),
            assignments=[(rent_collector, [community])],
        )  # fmt: skip
        receipt = rent_services.receipt_post(
            collector=rent_collector, tenancy=tenancy, date=today, amount=Decimal("200"), user=rent_collector
        )
        remittance = rent_services.remittance_post(
            collector=rent_collector, receipts=[receipt], transfer_date=today, bank_reference=f"KTB-{key}",
            amount=Decimal("200"), user=rent_collector,
        )  # fmt: skip
        work = works_services.work_create(
            community=community, kind=WorkKind.ECO_BOTTLES, title=f"ขวดนิเวศ {key}", description="",
            started_on=datetime.date(2021, 10, 1), participants=[member.person], user=leader,
        )  # fmt: skip
        photo = works_services.photo_add(work=work, upload=jpeg_with_location(size=(320, 240)), caption="", user=leader)
        contest = Contest.objects.create(
            name=f"การประกวด {key}", organiser="เทศบาลนครสงขลา", level=Level.MUNICIPALITY, date=datetime.date(2022, 1, 19)
        )
        works_services.entry_add(contest=contest, work=work)
        document = works_services.document_add(
            contest=contest, upload=SimpleUploadedFile("result.pdf", b"%PDF-1.4\n%%EOF\n"), title="ผลการตัดสิน", user=leader
        )
        sides[key] = dict(
            group=group, community=community, member=member, sheet_month=be_month_slug(month),
            entry=sheet.entries.get(member=member), household=household, person=household.head, tenancy=tenancy, receipt=receipt,
            remittance=remittance, work=work, photo=photo, contest=contest, document=document,
        )  # fmt: skip
    shared = _enterprise(leader=leader, groups=[group_a, group_b], today=today)
    shared.update(_proposal(leader=leader, household=sides["A"]["household"]))
    return {key: SimpleNamespace(**shared, **objects) for key, objects in sides.items()}


def _enterprise(*, leader, groups, today):
    """A donation, a round received and shared out (with orders of both groups), and a round
    closed but not received yet."""
    donation = enterprise_services.donation_post(
        donor="อาจารย์มหาวิทยาลัยราชภัฏสงขลา", donor_detail="", date=today, amount=Decimal("5000.00"), purpose="", user=leader
    )
    supplier = Supplier.objects.create(name="ร้านข้าว")
    Product.objects.create(
        name="ข้าวสาร", unit="ถุง 5 กก.", supplier=supplier, pack_name="กระสอบ", units_per_pack=6, pack_price=Decimal("780"),
        member_price=Decimal("140"), retail_price=Decimal("165"), retail_seen_on=today,
    )  # fmt: skip
    opened = today - datetime.timedelta(days=20)
    rounds = []
    for title in ("รอบรับของแล้ว", "รอบปิดแล้ว"):
        buying_round = enterprise_services.round_open(
            title=title, opened_on=opened, closes_on=opened + datetime.timedelta(days=7),
            pickup_on=opened + datetime.timedelta(days=10), user=leader,
        )  # fmt: skip
        item = buying_round.items.get()
        for group in groups:
            member = group.members.order_by("number").first()
            enterprise_services.orders_replace(
                buying_round=buying_round, group=group, quantities={(member.pk, item.pk): 2}, user=leader, today=opened
            )
        enterprise_services.round_close(buying_round=buying_round, packs={item.pk: 1}, user=leader)
        rounds.append(buying_round)
    received, closed = rounds
    item = received.items.get()
    enterprise_services.round_receive(buying_round=received, received={item.pk: 1}, notes={}, date=today, user=leader)
    allocation = Allocation.objects.filter(order__member__group=groups[0]).get()
    return dict(
        donation=donation, cash_entry=donation.cash_entry, received_round=received, closed_round=closed, allocation=allocation
    )


def _proposal(*, leader, household):
    housing_services.step_add(household=household, step=Step.VERIFIED, date=datetime.date(2021, 12, 20), reason="", user=leader)
    proposal = housing_services.proposal_create(
        title="โครงการบ้านมั่นคง", date=datetime.date(2022, 1, 10), target_site="เขารูปช้าง", households=[household], user=leader
    )
    line = BudgetLine.objects.create(proposal=proposal, item="ค่าที่ดิน", amount=Decimal("100000.00"))
    return dict(proposal=proposal, budget_line=line)


@pytest.fixture
def network(leader, collector, group_a, group_b):
    return _sides(leader=leader, collector=collector, group_a=group_a, group_b=group_b)


def url_for(name, side):
    kwargs = {}
    for argument, attribute in ARGUMENTS.get(name, {}).items():
        value = getattr(side, attribute)
        kwargs[argument] = getattr(value, "pk", value)
    return reverse(name, kwargs=kwargs)


def _answer(response):
    if response.status_code == 302 and urlsplit(response["Location"]).path in {reverse(p) for p in SIGN_IN_PAGES}:
        return LOGIN
    return response.status_code


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_gets_the_expected_answer_from_every_url(personas, network, persona):
    client = personas[persona]
    column = PERSONAS.index(persona)
    wrong = []
    for name, cases in EXPECTATIONS.items():
        for side, answers in cases.items():
            url = url_for(name, network[side or "A"])
            expected = answers[column]
            try:
                # A savepoint each: a request that breaks the transaction spoils only its own line.
                with transaction.atomic():
                    answer = _answer(client.get(url))
            except Exception as error:  # noqa: BLE001 — every failure is listed, not just the first
                wrong.append(f"{name} [{side or '-'}] {url}: server error {type(error).__name__}: {error}")
                continue
            if answer == 500 or answer != expected:
                wrong.append(f"{name} [{side or '-'}] {url}: expected {expected}, got {answer}")
    for (name, side), answers in POST_EXPECTATIONS.items():
        if persona in answers:
            url = url_for(name, network[side])
            with transaction.atomic():
                answer = _answer(client.post(url))
            if answer != answers[persona]:
                wrong.append(f"POST {name} [{side}] {url}: expected {answers[persona]}, got {answer}")
    assert not wrong, f"{persona}:\n" + "\n".join(wrong)
