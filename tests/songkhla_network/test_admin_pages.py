"""Every list and edit page of the leaders' admin opens, in Thai, on the demo data."""

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from songkhla_network.models import User
from tests.helpers import assert_no_english

pytestmark = pytest.mark.django_db


def test_every_admin_page_opens_in_thai(client, settings):
    settings.DEMO = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    client.force_login(User.objects.get(username="leader"))
    problems = []
    for model in sorted(admin.site._registry, key=lambda m: m._meta.label):
        info = model._meta.app_label, model._meta.model_name
        urls = [reverse("admin:{}_{}_changelist".format(*info))]
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
        for url in urls:
            response = client.get(url)
            try:
                assert response.status_code == 200, response.status_code
                assert_no_english(response)
            except AssertionError as error:
                problems.append(f"{url}: {error}")
    assert not problems, "\n".join(problems)


# Found by fuzzing: an autocomplete box looked up whatever was posted as an id to show it again,
# and a value that is no id broke the page instead of showing the form's error.
@pytest.mark.parametrize("typed", ["abc", "²", "9" * 5000])
def test_an_autocomplete_box_that_is_sent_no_id_shows_the_forms_error(client, leader, group_a, typed):
    client.force_login(leader)
    response = client.post(
        reverse("admin:songkhla_network_person_add"),
        {"first_name": "ทดสอบ", "last_name": "กล่อง", "community": typed},
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["community"]
