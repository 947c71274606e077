"""A rule the database keeps, broken in an admin form, is explained in Thai words, not by the
constraint's English name."""

import pytest
from django.contrib import admin
from django.db.models import CheckConstraint, UniqueConstraint
from django.test import RequestFactory
from django.urls import reverse

from tests.helpers import assert_no_english

pytestmark = pytest.mark.django_db


def editable_models(user):
    request = RequestFactory().get("/")
    request.user = user
    for model, model_admin in admin.site._registry.items():
        if model_admin.has_add_permission(request) or model_admin.has_change_permission(request):
            yield model
            for inline in model_admin.get_inline_instances(request):
                if inline.has_add_permission(request, None) or inline.has_change_permission(request, None):
                    yield inline.model


def test_every_rule_a_leader_can_break_in_the_admin_has_a_message_of_its_own(leader):
    silent = [
        f"{model._meta.label}.{constraint.name}"
        for model in set(editable_models(leader))
        for constraint in model._meta.constraints
        if (
            isinstance(constraint, CheckConstraint)
            or (isinstance(constraint, UniqueConstraint) and constraint.condition is not None)
        )
        and constraint.violation_error_message == constraint.default_violation_error_message
    ]
    assert not silent, f"constraints without a violation_error_message: {silent}"


def test_a_letter_ending_before_it_starts_is_refused_in_thai_in_the_admin(client, leader):
    from rent_collection.models import CodiLetter

    client.force_login(leader)
    response = client.post(
        reverse("admin:rent_collection_codiletter_add"),
        {
            "number": "พอช. 1/2565",
            "date": "1/1/2565",
            "signed_by": "ผู้อำนวยการ",
            "valid_from": "1/5/2565",
            "valid_to": "1/4/2565",
            "collectors-TOTAL_FORMS": "0",
            "collectors-INITIAL_FORMS": "0",
            "collectors-MIN_NUM_FORMS": "0",
            "collectors-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200 and not CodiLetter.objects.exists()
    assert "วันสิ้นสุดของหนังสือต้องไม่ก่อนวันเริ่ม" in response.content.decode()
    assert_no_english(response)
