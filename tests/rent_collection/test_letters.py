"""CODI letters: who they may name, who is authorised where on a day, letters about to expire,
and what a request for a new letter shows."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from rent_collection import selectors, services
from rent_collection.models import CodiLetter, LetterCollector
from songkhla_network.models import Role
from tests.factories import RENT_LETTER_FROM, RENT_LETTER_TO, make_letter, make_receipt, make_tenancy, make_user

pytestmark = pytest.mark.django_db


def record(**change):
    fields = (
        dict(
            number="พอช. 1/2565",
            date=datetime.date(2022, 3, 25),
            signed_by="ผู้อำนวยการ",
            valid_from=RENT_LETTER_FROM,
            valid_to=RENT_LETTER_TO,
            assignments=[],
        )
        | change
    )
    return services.letter_record(**fields)


def test_a_letter_names_collectors_each_with_their_communities(collector, leader, railway_a, railway_b):
    letter = record(assignments=[(collector, [railway_a, railway_b]), (leader, [railway_b])])
    named = {a.collector: set(a.communities.all()) for a in letter.collectors.all()}
    assert named == {collector: {railway_a, railway_b}, leader: {railway_b}}


@pytest.mark.parametrize("role", [Role.TREASURER, Role.STAFF])
def test_a_letter_cannot_name_treasurers_or_staff(railway_a, role):
    user = make_user(f"user_{role}", role)
    with pytest.raises(ValidationError) as error:
        record(assignments=[(user, [railway_a])])
    assert "assignments" in error.value.message_dict and not CodiLetter.objects.exists()


def test_a_letter_is_refused_without_collectors_communities_or_with_its_dates_reversed(collector, railway_a):
    for change, field in [
        (dict(assignments=[]), "assignments"),
        (dict(assignments=[(collector, [])]), "assignments"),
        (dict(assignments=[(collector, [railway_a]), (collector, [railway_a])]), "assignments"),
        (
            dict(assignments=[(collector, [railway_a])], valid_to=RENT_LETTER_FROM - datetime.timedelta(days=1)),
            "valid_to",
        ),
    ]:
        with pytest.raises(ValidationError) as error:
            record(**change)
        assert field in error.value.message_dict
    record(assignments=[(collector, [railway_a])])
    with pytest.raises(ValidationError) as error:
        record(assignments=[(collector, [railway_a])])
    assert "number" in error.value.message_dict and CodiLetter.objects.count() == 1


def test_the_database_refuses_a_letter_ending_before_it_starts_or_naming_someone_twice(collector, railway_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        CodiLetter.objects.create(
            number="x",
            date=RENT_LETTER_FROM,
            signed_by="y",
            valid_from=RENT_LETTER_FROM,
            valid_to=RENT_LETTER_FROM - datetime.timedelta(days=1),
        )
    letter = record(assignments=[(collector, [railway_a])])
    with pytest.raises(IntegrityError), transaction.atomic():
        LetterCollector.objects.create(letter=letter, collector=collector)


def test_the_admin_form_refuses_to_name_a_treasurer(railway_a, treasurer_a):
    letter = CodiLetter(
        number="x", date=RENT_LETTER_FROM, signed_by="y", valid_from=RENT_LETTER_FROM, valid_to=RENT_LETTER_TO
    )
    with pytest.raises(ValidationError):
        LetterCollector(letter=letter, collector=treasurer_a).clean()


def test_who_is_authorised_where_on_a_day(collector, leader, railway_a, railway_b):
    old = make_letter([(collector, [railway_a])], valid_to=datetime.date(2022, 6, 30))
    new = make_letter(
        [(collector, [railway_a, railway_b]), (leader, [railway_b])], valid_from=datetime.date(2022, 7, 1)
    )
    in_june = selectors.authorisations_by_community(datetime.date(2022, 6, 1))
    assert [(c, [(a.letter, a.collector) for a in names]) for c, names in in_june] == [(railway_a, [(old, collector)])]
    in_july = dict(selectors.authorisations_by_community(datetime.date(2022, 7, 1)))
    assert {a.collector for a in in_july[railway_b]} == {collector, leader}
    assert [a.letter for a in in_july[railway_a]] == [new]
    assert selectors.collector_communities(collector, datetime.date(2022, 7, 1)) == [railway_a, railway_b]
    assert selectors.collector_communities(leader, datetime.date(2022, 6, 1)) == []
    assert (
        selectors.authorising_assignment(collector=leader, community=railway_b, day=datetime.date(2022, 7, 1)).letter
        == new
    )
    assert (
        selectors.authorising_assignment(collector=leader, community=railway_a, day=datetime.date(2022, 7, 1)) is None
    )


def test_a_receipt_names_the_newest_letter_that_covers_it(collector, railway_a, tenancy):
    make_letter([(collector, [railway_a])])
    overlapping = make_letter([(collector, [railway_a])], valid_from=datetime.date(2022, 4, 5))
    assert make_receipt(collector, tenancy).letter == overlapping


def test_a_collector_is_offered_only_the_tenancies_they_may_collect_from(collector, letter, railway_a, railway_b):
    mine = make_tenancy(railway_a)
    make_tenancy(railway_b)
    assert list(selectors.collectible_tenancies(collector, datetime.date(2022, 5, 1))) == [mine]
    assert list(selectors.collectible_tenancies(collector, RENT_LETTER_TO + datetime.timedelta(days=1))) == []


def test_letters_about_to_expire(collector, railway_a):
    soon = make_letter([(collector, [railway_a])], valid_to=datetime.date(2022, 6, 20))
    make_letter([(collector, [railway_a])], valid_to=datetime.date(2022, 12, 31))
    make_letter([(collector, [railway_a])], valid_to=datetime.date(2022, 5, 31))  # already ended
    expiring = selectors.letters_expiring(datetime.date(2022, 6, 1), within_days=30)
    assert expiring == [soon] and expiring[0].days_left == 19
    assert selectors.letters_expiring(datetime.date(2022, 6, 1), within_days=10) == []


def test_authorisation_reads_take_a_fixed_number_of_queries(
    collector, railway_a, railway_b, django_assert_max_num_queries
):
    make_letter([(collector, [railway_a])])

    def read():
        day = datetime.date(2022, 4, 10)
        with django_assert_max_num_queries(2):
            by_community = selectors.authorisations_by_community(day)
            [(a.letter.number, str(a.collector)) for _c, names in by_community for a in names]
        with django_assert_max_num_queries(2):
            letters = selectors.letters_expiring(day, within_days=400)
            [str(a.collector) for letter in letters for a in letter.collectors.all()]
        return by_community, letters

    read()
    for k in range(5):
        user = make_user(f"collector_{k}", Role.COLLECTOR)
        make_letter([(user, [railway_a, railway_b]), (make_user(f"leader_{k}", Role.LEADER), [railway_b])])
    by_community, letters = read()
    assert len(by_community) == 2 and len(letters) == 6


def test_the_request_for_a_letter_lists_the_tenancies_in_arrears_of_each_proposed_community(
    collector, leader, railway_a, railway_b
):
    owing = make_tenancy(railway_a, opening="700")
    make_tenancy(railway_a, opening="0", opening_on=datetime.date(2022, 6, 30))
    elsewhere = make_tenancy(railway_b, opening="300")
    draft = selectors.letter_request_draft(
        assignments=[(collector, [railway_b, railway_a]), (leader, [railway_b])], day=datetime.date(2022, 6, 30)
    )
    (first, first_communities), (second, second_communities) = draft
    assert first == collector and second == leader
    assert [(c, [b.tenancy.pk for b in balances], total) for c, balances, total in first_communities] == [
        (railway_a, [owing.pk], Decimal("1300")),
        (railway_b, [elsewhere.pk], Decimal("900")),
    ]
    assert second_communities[0][0] == railway_b
