"""Lighthouse on a phone (its mobile defaults: simulated slow 4G and a 4x slower CPU) on the seven
pages people open most, served as users get them: gunicorn with DEBUG off and WhiteNoise's
compressed, hashed static files (the live_server fixture neither compresses nor caches them, and
Lighthouse would score it below what users get). Each page needs performance at least 95,
accessibility and best practices 100, and a cumulative layout shift under 0.05 (issue 16); a
failure names each page's shortfalls and the audits behind them.

Lighthouse (npm, pinned in package.json, installed by `make test`) and the way it is run are
scripts/loadtest/lighthouse.py's, which `make bench` prints the same figures with. One run of
Chromium per page, one page at a time (three for a page that falls short, the median kept): about
two and a half minutes in all on the 2-core development machine, half a minute of it setting up.
LIGHTHOUSE_REPORTS=/some/dir keeps each page's report."""

import datetime
import os
import subprocess
import sys
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from groups import services as group_services
from rent_collection import services as rent_services
from scripts.loadtest import lighthouse
from scripts.loadtest.common import ROOT
from scripts.loadtest.server import Server
from songkhla_network.thai import add_months, be_month_slug, month_start
from tests.factories import make_group

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MEMBERS = 40  # a group as large as the network's largest
MONTHS = 120  # ten years of sheets, as in `make bench`: a passbook of 120 rows


@pytest.fixture
def server(transactional_db, tmp_path):
    """gunicorn on the test database with the production settings, its static files collected,
    compressed and hashed as `make run` and a deployment do."""
    db = connection.settings_dict
    login = f"{quote(db['USER'])}:{quote(db['PASSWORD'] or '')}"
    env = {
        "DEBUG": "0",
        "DEMO": "0",
        "SECRET_KEY": settings.SECRET_KEY,  # the sessions the test makes are signed with it
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": f"postgres://{login}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "STATIC_ROOT": str(tmp_path / "static"),
        "LOG_LEVEL": "WARNING",
    }
    # Bootstrap's own files (its maps alone are 24 MB) and the Sarabun TTFs of the PDFs are not
    # served to a page; compressing them would take half a minute.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0", "--ignore=bootstrap", "--ignore=sarabun"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
    )
    gunicorn = Server(env, workers=2, log_path=tmp_path / "gunicorn.log")
    gunicorn.start()
    yield gunicorn.port
    gunicorn.stop()


def session_cookie(user):
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def test_the_pages_people_open_most_meet_the_lighthouse_goals(server, leader, collector, treasurer_a):
    today = timezone.localdate()
    this_month = month_start(today)
    founded = add_months(this_month, -MONTHS)
    group = make_group("กลุ่มออมทรัพย์ชุมชนบ่อยาง", "ชุมชนบ่อยาง", members=MEMBERS, founded_on=founded)
    group.treasurers.add(treasurer_a)
    members = list(group.members.order_by("number"))
    for k in range(MONTHS):
        month = add_months(founded, k)
        group_services.sheet_post(
            group=group,
            month=month,
            paid_on=month.replace(day=5),
            amounts={m.pk: Decimal("100.00") for m in members},
            user=treasurer_a,
        )
    tenancy = rent_services.tenancy_register(
        person={"first_name": "ผู้เช่า", "last_name": "ริมทางรถไฟ"},
        community=group.community,
        plot="ก/12",
        contract_number="รฟท. 123/2555",
        monthly_rent=Decimal("200"),
        start_date=datetime.date(2012, 1, 1),
        opening_balance=Decimal("2400"),
        opening_on=today - datetime.timedelta(days=45),
        opening_source="หนังสือแจ้งยอดค้างชำระ พอช.",
    )
    rent_services.letter_record(
        number="พอช. 1/2569",
        date=today - datetime.timedelta(days=35),
        signed_by="ผู้อำนวยการสำนักงานภาคใต้",
        valid_from=today - datetime.timedelta(days=30),
        valid_to=today + datetime.timedelta(days=300),
        assignments=[(collector, [group.community])],
    )
    treasurer, collecting, leading = session_cookie(treasurer_a), session_cookie(collector), session_cookie(leader)
    sheet = "groups:sheet"
    pages = [
        ("login page", reverse("login"), None),
        ("sheet form", reverse(sheet, args=[group.pk, be_month_slug(this_month)]), treasurer),
        ("posted sheet", reverse(sheet, args=[group.pk, be_month_slug(add_months(this_month, -1))]), treasurer),
        ("passbook", reverse("groups:passbook", args=[group.pk, members[0].pk]), treasurer),
        ("group page", reverse("groups:detail", args=[group.pk]), treasurer),
        ("receipt form (collector)", reverse("rent:collect", args=[tenancy.pk]), collecting),
        ("dashboard (leader)", reverse("home"), leading),
    ]

    reports = [lighthouse.audit(server, name, path, cookie) for name, path, cookie in pages]

    print("\n".join(lighthouse.table(reports)))
    missed = [f"{r.name} ({r.path}):\n  " + "\n  ".join(r.shortfalls()) for r in reports if r.shortfalls()]
    assert not missed, "Lighthouse goals not met:\n" + "\n".join(missed)
