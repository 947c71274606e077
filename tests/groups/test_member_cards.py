"""Members' cards (issue 18): the treasurer prints a group's cards, each with a QR that opens a
read-only page of that member's own figures without a login; the token is long, random and stored
hashed; a reissued card's old token answers 404 at once; the page is rate-limited by address,
kept from search engines and referrers, and logged; a member who left reads it for a year."""

import datetime
import hashlib
import subprocess
import uuid
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import zxingcpp
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from groups import cards, services
from groups.models import CardRequest, MemberCard
from songkhla_network.models import Access, PersonalDataAccess
from tests.factories import client_for, make_group, make_user
from tests.helpers import assert_no_english

pytestmark = pytest.mark.django_db

DEC, JAN, FEB, MAR, APR = (datetime.date(2021, 12, 1), *(datetime.date(2022, m, 1) for m in (1, 2, 3, 4)))


@pytest.fixture
def group(db, leader):
    """Three members saving 100 a month since December 2564; member 1 paid December and January,
    nothing in February and 150 in March; the others 100 each month."""
    group = make_group("กลุ่มบัตร", "ชุมชนบัตร")
    members = list(group.members.order_by("number"))
    for month, first in ((DEC, "100"), (JAN, "100"), (MAR, "150")):
        services.sheet_post(
            group=group,
            month=month,
            paid_on=month.replace(day=5),
            amounts={members[0].pk: Decimal(first), members[1].pk: Decimal("100"), members[2].pk: Decimal("100")},
            user=leader,
        )
    members[1].person.national_id = "1101700203450"
    members[1].person.phone = "0812345678"
    members[1].person.save()
    return group


def issue(group, members, user):
    return cards.cards_issue(group=group, members=members, user=user, request_key=uuid.uuid4())


def test_the_printed_cards_carry_working_qr_codes_to_each_members_own_page(group, leader, tmp_path):
    members = list(group.members.order_by("number"))
    response = client_for(leader).post(
        reverse("groups:cards", args=[group.pk]),
        {"members": [m.pk for m in members], "request_key": str(uuid.uuid4())},
        HTTP_HOST="testserver",
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = tmp_path / "cards.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", pdf, "-"], check=True, capture_output=True, text=True).stdout
    assert "กลุ่มบัตร" in text and "สมาชิก2" in text
    assert "1101700203450" not in text and "0812345678" not in text
    subprocess.run(["pdftoppm", "-r", "200", "-png", pdf, tmp_path / "page"], check=True)
    decoded = [
        barcode.text
        for png in sorted(tmp_path.glob("page*.png"))
        for barcode in zxingcpp.read_barcodes(Image.open(png))
    ]
    assert len(decoded) == 3
    anonymous = Client()
    pages = {}
    for url in decoded:
        parts = urlsplit(url)
        assert parts.netloc == "testserver" and parts.path.startswith("/card/")
        token = parts.path.split("/")[2]
        assert len(token) >= 43  # 32 random bytes
        page = anonymous.get(parts.path)
        assert page.status_code == 200
        pages[token] = page.content.decode()
    # Each QR opens one member's page, and that page names no other member.
    for member in members:
        (html,) = [html for html in pages.values() if f"{member.person.first_name}" in html]
        others = [m for m in members if m != member]
        assert all(other.person.first_name not in html for other in others)


def test_the_page_shows_that_members_figures_and_nothing_else(group, leader):
    member = group.members.get(number=2)
    ((_, token),) = issue(group, [member], leader)
    response = Client().get(reverse("member_card", args=[token]))
    html = response.content.decode()
    assert response.status_code == 200
    assert member.person.first_name in html
    balance = Decimal("300.00")
    assert f'id="card-balance">{balance:,.2f}<' in html
    assert "1101700203450" not in html and "0812345678" not in html and "081-234-5678" not in html
    assert "<a " not in html  # no link into the app
    assert "<form" not in html
    assert "สมาชิก1" not in html and "สมาชิก3" not in html
    assert_no_english(response)


def test_the_months_paid_or_owed_add_up_to_the_arrears(group, leader):
    """Member 1 owes 100 a month from December: by 10 April, 400 was due (Dec–Mar) and 350 paid
    (100, 100, 0, 150). The savings cover the months oldest first: December, January and February
    paid, March owes 50, as the arrears of 50 say; April is this month, not due yet."""
    member = group.members.get(number=1)
    figures = cards.card_figures(member, datetime.date(2022, 4, 10))
    by_month = {m.month: m for m in figures.months}
    assert [m.month for m in figures.months] == [APR, MAR, FEB, JAN, DEC]
    assert [(by_month[m].paid, by_month[m].owed) for m in (DEC, JAN, FEB, MAR)] == [
        (Decimal("100"), 0),
        (Decimal("100"), 0),
        (Decimal("100"), 0),
        (Decimal("50"), Decimal("50")),
    ]
    assert not by_month[APR].due and by_month[APR].commitment == Decimal("100")
    assert figures.arrears == Decimal("50") == sum(m.owed for m in figures.months)
    assert figures.balance == Decimal("350")


def test_the_token_is_stored_only_hashed(group, leader):
    member = group.members.get(number=1)
    ((_, token),) = issue(group, [member], leader)
    card = MemberCard.objects.get(member=member)
    assert card.token_hash == hashlib.sha256(token.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM groups_membercard")
        assert all(token not in str(value) for row in cursor.fetchall() for value in row)


def test_a_reissued_card_ends_the_old_one_at_once(group, leader):
    member = group.members.get(number=1)
    ((_, old),) = issue(group, [member], leader)
    ((_, new),) = issue(group, [member], leader)
    client = Client()
    assert client.get(reverse("member_card", args=[old])).status_code == 404
    assert client.get(reverse("member_card", args=[new])).status_code == 200
    assert MemberCard.objects.filter(member=member, ended_at__isnull=True).count() == 1


def test_the_same_form_sent_twice_issues_nothing_the_second_time(group, leader):
    member = group.members.get(number=1)
    key = uuid.uuid4()
    ((_, token),) = cards.cards_issue(group=group, members=[member], user=leader, request_key=key)
    with pytest.raises(ValidationError):
        cards.cards_issue(group=group, members=[member], user=leader, request_key=key)
    assert MemberCard.objects.filter(member=member).count() == 1
    assert Client().get(reverse("member_card", args=[token])).status_code == 200


def test_cards_go_only_to_the_groups_current_members(group, leader):
    other = make_group("กลุ่มอื่น", "ชุมชนอื่น").members.first()
    with pytest.raises(ValidationError):
        issue(group, [other], leader)
    member = group.members.get(number=3)
    services.member_leave(
        member=member, left_on=datetime.date(2022, 4, 20), user=leader, today=datetime.date(2022, 4, 20)
    )
    member.refresh_from_db()
    with pytest.raises(ValidationError):
        issue(group, [member], leader)
    assert not MemberCard.objects.exists()


def test_twenty_wrong_tokens_in_a_minute_from_one_address_are_throttled(group, leader):
    ((_, token),) = issue(group, [group.members.get(number=1)], leader)
    client = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(cards.WRONG_PER_MINUTE):
        assert client.get(reverse("member_card", args=[f"wrong-{n}"])).status_code == 404
    refused = client.get(reverse("member_card", args=[token]))
    assert refused.status_code == 429
    assert "คำขอมากเกินไป" in refused.content.decode()
    # Another address is not held back, and a minute later this one is not either.
    assert Client(REMOTE_ADDR="203.0.113.8").get(reverse("member_card", args=[token])).status_code == 200
    CardRequest.objects.update(at=timezone.now() - datetime.timedelta(seconds=61))
    assert client.get(reverse("member_card", args=[token])).status_code == 200


def test_nineteen_wrong_tokens_are_not_throttled(group, leader):
    ((_, token),) = issue(group, [group.members.get(number=1)], leader)
    client = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(cards.WRONG_PER_MINUTE - 1):
        client.get(reverse("member_card", args=[f"wrong-{n}"]))
    assert client.get(reverse("member_card", args=[token])).status_code == 200


def test_each_opening_is_logged_and_the_page_is_kept_from_search_engines_and_referrers(group, leader):
    member = group.members.get(number=1)
    ((_, token),) = issue(group, [member], leader)
    before = PersonalDataAccess.objects.count()
    client = Client()
    for _ in range(2):
        response = client.get(reverse("member_card", args=[token]))
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert response["Referrer-Policy"] == "no-referrer"
        assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()
    lines = PersonalDataAccess.objects.order_by("id")[before:]
    assert [(line.user, line.person, line.action) for line in lines] == [(None, member.person, Access.VIEWED)] * 2
    # The log's page and the person's page say who read: the member, by their card.
    log = client_for(leader).get(reverse("people:log")).content.decode()
    assert "สมาชิกเอง" in log


def test_a_member_who_left_reads_their_card_for_a_year(group, leader):
    member = group.members.get(number=1)
    ((_, token),) = issue(group, [member], leader)
    services.member_leave(
        member=member, left_on=datetime.date(2022, 4, 20), user=leader, today=datetime.date(2022, 4, 20)
    )
    left_on = datetime.date(2022, 4, 20)
    assert cards.card_for(token, left_on + datetime.timedelta(days=365)) is not None
    assert cards.card_for(token, left_on + datetime.timedelta(days=366)) is None
    assert Client().get(reverse("member_card", args=[token])).status_code == 404  # today is years later
    # Read within the year: the twelve months up to the one they left in, the last owed nothing.
    member.refresh_from_db()
    months = cards.card_figures(member, left_on + datetime.timedelta(days=360)).months
    assert [m.month for m in months] == [datetime.date(2022, m, 1) for m in (4, 3, 2, 1)] + [DEC]
    assert months[0].owed == 0 and not months[0].due


def test_the_card_page_reads_a_fixed_number_of_queries(group, leader):
    member = group.members.get(number=1)
    ((_, token),) = issue(group, [member], leader)
    client = Client()
    client.get(reverse("member_card", args=[token]))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("member_card", args=[token]))
    for month in (datetime.date(2022, m, 1) for m in range(4, 13)):
        services.sheet_post(
            group=group, month=month, paid_on=month.replace(day=5), amounts={member.pk: Decimal("100")}, user=leader
        )
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("member_card", args=[token]))
    assert len(many) == len(few)


def test_only_those_who_post_to_the_group_issue_its_cards(group, leader, staff):
    url = reverse("groups:cards", args=[group.pk])
    member = group.members.get(number=1)
    data = {"members": [member.pk], "request_key": str(uuid.uuid4())}
    other_treasurer = make_user("เหรัญญิกอื่น", "treasurer")
    assert client_for(staff).post(url, data).status_code == 403
    assert client_for(other_treasurer).post(url, data).status_code in (403, 404)
    assert not MemberCard.objects.exists()
    page = client_for(leader).get(url)
    assert "สมาชิก1" in page.content.decode()
    assert_no_english(page)
