"""Personas and the small network they work in.

Group A (community A) has treasurer A, group B (community B) has treasurer B; the leader,
the staff member and the collector belong to no group. Tests ask for what they need by name.
"""

import os
import uuid

import psycopg2
import pytest
from django.core.cache import cache
from django.db import connection

from scripts.loadtest.common import CHROMIUM, CHROMIUM_FLAGS
from songkhla_network.models import Role
from tests.factories import client_for, make_group, make_user

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True, scope="session")
def _jinja_templates_reported():
    """A page drawn by a Jinja2 template (jinja2/) tells the test client its template and context,
    as Django's test set-up makes its own templates do: response.templates and response.context."""
    from django.template.backends.jinja2 import Template
    from django.test.signals import template_rendered

    render = Template.render

    def reported(self, context=None, request=None):
        context = {} if context is None else context
        html = render(self, context, request)  # which adds the request and the context processors' names
        template_rendered.send(sender=self, template=self.template, context=dict(context))
        return html

    Template.render = reported
    yield
    Template.render = render


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path_factory):
    # Each test starts with an empty cache: figures kept by an earlier test's rows are not its own.
    cache.clear()
    # Uploaded photos and documents go to a throw-away folder, not the project's media/.
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    # Tests run with DEBUG off; the manifest storage would need collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Production's slow password hashing is a defence, not something the tests need to wait for.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def group_a(db):
    return make_group("กลุ่มเอ", "ชุมชนเอ")


@pytest.fixture
def group_b(db):
    return make_group("กลุ่มบี", "ชุมชนบี")


@pytest.fixture
def leader(db):
    return make_user("leader", Role.LEADER)


@pytest.fixture
def staff(db):
    return make_user("staff", Role.STAFF)


@pytest.fixture
def collector(db):
    return make_user("collector", Role.COLLECTOR)


@pytest.fixture
def treasurer_a(db, group_a):
    user = make_user("treasurer_a", Role.TREASURER)
    group_a.treasurers.add(user)
    return user


@pytest.fixture
def treasurer_b(db, group_b):
    user = make_user("treasurer_b", Role.TREASURER)
    group_b.treasurers.add(user)
    return user


@pytest.fixture
def personas(leader, treasurer_a, treasurer_b, collector, staff):
    """Every persona's signed-in client, anonymous included."""
    return {
        "leader": client_for(leader),
        "treasurer_a": client_for(treasurer_a),
        "treasurer_b": client_for(treasurer_b),
        "collector": client_for(collector),
        "staff": client_for(staff),
        "anonymous": client_for(None),
    }


# Playwright drives Debian's Chromium: its own browser download cannot work on these machines.
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": list(CHROMIUM_FLAGS),
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A cheap phone: narrow screen, Thai locale, Bangkok time.
    return {
        **browser_context_args,
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "locale": "th-TH",
        "timezone_id": "Asia/Bangkok",
    }


@pytest.fixture
def new_database():
    """Make empty databases on the test server, and drop them afterwards."""
    params = connection.settings_dict
    server = psycopg2.connect(
        dbname=params["NAME"],
        user=params["USER"],
        password=params["PASSWORD"],
        host=params["HOST"],
        port=params["PORT"],
    )
    server.autocommit = True
    made = []

    def make():
        name = f"songkhla_scratch_{uuid.uuid4().hex[:12]}"
        with server.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
        made.append(name)
        return name

    yield make
    with server.cursor() as cursor:
        for name in made:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    server.close()
