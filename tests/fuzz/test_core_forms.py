"""Forms every area shares under fuzzing: signing in, changing one's password, the second factor's
code, the period of the progress report to CODI, and the personal-data pages (finding a person,
the access log, erasure)."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import given, settings
from hypothesis import strategies as st

from housing.models import StatusStep
from songkhla_network import two_factor
from tests.factories import PASSWORD
from tests.fuzz.harness import examples, fresh_client, query, submit

from .strategies import form_data

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-long-password-2566"


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_signing_in_never_breaks_and_writes_nothing(leader, data, urlencoded):
    posted = data.draw(
        form_data(
            {
                "username": st.sampled_from(["leader", "LEADER", "nobody"]),
                "password": st.sampled_from([PASSWORD, "wrong"]),
            }
        )
    )
    # A new visitor each time: a sign-in that goes through changes the session.
    submit(fresh_client(), reverse("login"), posted, check=lambda outcome: outcome.assert_only(), urlencoded=urlencoded)


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples(0.5))
def test_changing_a_password_never_breaks(leader, data, urlencoded):
    posted = data.draw(
        form_data(
            {
                "old_password": st.sampled_from([PASSWORD, "wrong"]),
                "new_password1": st.just(NEW_PASSWORD),
                "new_password2": st.just(NEW_PASSWORD),
            }
        )
    )
    submit(
        fresh_client(leader),
        reverse("password_change"),
        posted,
        check=lambda outcome: outcome.assert_only(),
        urlencoded=urlencoded,
    )


@given(data=st.data())
@settings(max_examples=examples(0.25))
def test_the_codi_report_takes_any_period(personas, savings, data):
    query(personas["staff"], reverse("report"), data.draw(form_data({}, months=["first", "last"])))


# Personal data (PDPA): finding a person, the access log, erasing a person's data.


@given(data=st.data())
@settings(max_examples=examples(0.5))
def test_finding_a_person_takes_any_text(personas, housing, data):
    query(
        personas["leader"],
        reverse("people:search"),
        data.draw(form_data({"q": st.sampled_from(["สมใจ", "081", "๐๘๑", "1-1037"])})),
    )


@given(data=st.data())
@settings(max_examples=examples(0.5))
def test_the_access_log_takes_any_person_and_page(personas, housing, data):
    person = str(housing.surveyed.head_id)
    posted = data.draw(form_data({"person": st.just(person), "page": st.sampled_from(["1", "2", "last"])}))
    query(personas["leader"], reverse("people:log"), posted)


@given(data=st.data(), urlencoded=st.booleans())
@settings(max_examples=examples())
def test_erasing_a_person_keeps_every_row(personas, housing, data, urlencoded):
    person = housing.surveyed.head
    posted = data.draw(form_data({"reason": "text", "confirm": st.just("on")}))

    def check(outcome):
        outcome.assert_only(StatusStep)  # a household still waiting is withdrawn
        person.refresh_from_db()
        assert person.erased_at is not None and not person.national_id and not person.phone

    submit(personas["leader"], reverse("people:erase", args=[person.pk]), posted, check=check, urlencoded=urlencoded)


# The leaders' second factor: the code typed when turning it on, at sign-in, and to turn it off.
# (Its device table is django-otp's, outside the tables counted: a wrong code does write there, the
# count of wrong codes that slows the next try.)


@given(
    data=st.data(),
    urlencoded=st.booleans(),
    page=st.sampled_from(["second_factor_setup", "second_factor_verify", "second_factor_off"]),
)
@settings(max_examples=examples())
def test_the_second_factor_code_takes_any_text(leader, data, urlencoded, page):
    TOTPDevice.objects.filter(user=leader).delete()
    device = TOTPDevice.objects.create(user=leader, name="โทรศัพท์", confirmed=page != "second_factor_setup")
    now = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    client = fresh_client(leader)
    if page == "second_factor_verify":
        session = client.session
        session[two_factor.PENDING] = True
        session.save()
    codes = [now, now.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")), f"{now[:3]} {now[3:]}", "000000", "12345"]
    posted = data.draw(
        form_data({"code": st.sampled_from(codes), "next": st.sampled_from(["/groups/", "https://evil.example/", ""])})
    )
    submit(client, reverse(page), posted, check=lambda outcome: outcome.assert_only(), urlencoded=urlencoded)
