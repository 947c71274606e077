"""`make run` as a newcomer meets it: scripts/serve_demo.sh (what `make run` calls) serves the demo
network with DEBUG off under gunicorn, on a SQLite file of its own. Every error is the app's own
Thai page, never Django's technical one, and several people saving at the same moment all get
their save (the SQLite settings: WAL, IMMEDIATE transactions, a busy timeout).

The server is the real one, started once for the module: these tests use no test database.
"""

import http.cookiejar
import os
import re
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.utils import timezone

from rent_collection.demo import LEADERS_COMMUNITY
from songkhla_network.thai import be_month_slug

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "songkhla-demo"
# What Django's technical pages (DEBUG on) show, and what the app's own pages never do.
TECHNICAL = [
    "Traceback",
    "URLconf",
    "Django tried these URL patterns",
    "Using the URLconf",
    "DEBUG = True",
    "Page not found",
]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo server, as `make run` starts it, on a database and port of its own."""
    folder = tmp_path_factory.mktemp("make_run")
    port = _free_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "DEBUG", "DEMO", "SECRET_KEY", "ALLOWED_HOSTS")
    }
    environment.update(
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        MEDIA_ROOT=str(folder / "media"),
        STATIC_ROOT=str(folder / "static"),
        PORT=str(port),
    )
    log = open(folder / "server.log", "w")
    server = subprocess.Popen(
        [str(ROOT / "scripts/serve_demo.sh")], cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600
    while True:
        if server.poll() is not None:
            pytest.fail(f"serve_demo.sh stopped ({server.returncode}):\n{(folder / 'server.log').read_text()[-3000:]}")
        try:
            if urllib.request.urlopen(f"{base}/health/", timeout=2).status == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            server.kill()
            pytest.fail("the demo server did not answer within 10 minutes")
        time.sleep(0.5)
    yield type("Demo", (), {"base": base, "db": folder / "db.sqlite3", "log": folder / "server.log"})
    server.terminate()
    server.wait(timeout=30)
    log.close()


class _Forms(HTMLParser):
    """The fields of each POST form of a page, as a browser would send them untouched."""

    def __init__(self):
        super().__init__()
        self.forms, self._fields, self._select = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._fields = {}
        elif self._fields is None:
            return
        elif tag == "option" and self._select and "selected" in a:
            self._fields[self._select] = a.get("value", "")
        elif not a.get("name"):
            return
        elif tag == "input" and a.get("type") in ("checkbox", "radio"):
            if "checked" in a:
                self._fields[a["name"]] = a.get("value", "on")
        elif tag == "input" and a.get("type") not in ("submit", "button", "file"):
            self._fields[a["name"]] = a.get("value") or ""
        elif tag == "textarea":
            self._fields[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
            self._fields.setdefault(a["name"], "")

    def handle_endtag(self, tag):
        if tag == "form" and self._fields is not None:
            self.forms.append(self._fields)
            self._fields = None
        elif tag == "select":
            self._select = None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person's browser: their cookies, and the answers as they come (redirects not followed)."""

    def __init__(self, base):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect)

    def _open(self, request):
        try:
            with self.opener.open(request, timeout=120) as response:
                return response.status, response.headers, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode("utf-8", "replace")

    def get(self, path):
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path, fields):
        data = urllib.parse.urlencode(fields).encode()
        return self._open(urllib.request.Request(self.base + path, data=data, headers={"Referer": self.base + path}))

    def form(self, path):
        status, _headers, body = self.get(path)
        assert status == 200, (path, status)
        parser = _Forms()
        parser.feed(body)
        # The page's own form, not the sign-out button of the menu: the one with most fields.
        assert parser.forms, f"no form on {path}"
        return max(parser.forms, key=len)

    def sign_in(self, username):
        fields = self.form("/accounts/login/")
        fields.update(username=username, password=DEMO_PASSWORD)
        status, headers, _body = self.post("/accounts/login/", fields)
        assert status == 302 and "/login" not in headers["Location"], f"{username} could not sign in"
        return self


def _query(demo, sql, *params):
    with sqlite3.connect(demo.db) as db:
        return db.execute(sql, params).fetchall()


def _assert_the_apps_own_page(status, body, expected_status, thai_title):
    assert status == expected_status
    assert thai_title in body
    for text in TECHNICAL:
        assert text not in body, f"Django's technical page leaked: {text!r}"


def test_debug_is_off_and_static_files_come_through_whitenoise(demo):
    status, _headers, body = Browser(demo.base).get("/accounts/login/")
    assert status == 200
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', body).group(1)
    # The manifest storage names files by their content: DEBUG off, collectstatic done.
    assert re.search(r"\.[0-9a-f]{12}\.css$", stylesheet), stylesheet
    status, headers, _css = Browser(demo.base).get(stylesheet)
    assert status == 200 and "immutable" in headers["Cache-Control"]


def test_a_missing_page_is_the_apps_thai_404(demo):
    status, _headers, body = Browser(demo.base).sign_in("leader").get("/groups/no-such-page/")
    _assert_the_apps_own_page(status, body, 404, "ไม่พบหน้านี้")


def test_a_treasurer_opening_another_groups_page_gets_the_thai_404(demo):
    browser = Browser(demo.base).sign_in("treasurer_a")
    status, headers, _body = browser.get("/groups/")
    own = int(re.search(r"/groups/(\d+)/", headers["Location"]).group(1))
    other = _query(demo, "SELECT id FROM groups_savingsgroup WHERE id != ? ORDER BY id LIMIT 1", own)[0][0]
    status, _headers, body = browser.get(f"/groups/{other}/")
    _assert_the_apps_own_page(status, body, 404, "ไม่พบหน้านี้")


def test_a_collector_opening_a_household_outside_their_letter_gets_the_thai_404(demo):
    (tenancy,) = _query(
        demo,
        "SELECT t.id FROM rent_collection_tenancy t JOIN songkhla_network_community c ON c.id = t.community_id"
        " WHERE c.name = ? ORDER BY t.id LIMIT 1",
        LEADERS_COMMUNITY,
    )[0]
    status, _headers, body = Browser(demo.base).sign_in("collector").get(f"/rent/tenancies/{tenancy}/")
    _assert_the_apps_own_page(status, body, 404, "ไม่พบหน้านี้")


def test_a_page_the_role_may_not_open_is_the_thai_403(demo):
    status, _headers, body = Browser(demo.base).sign_in("collector").get("/groups/summary/")
    _assert_the_apps_own_page(status, body, 403, "ไม่มีสิทธิ์เข้าถึง")


def _open_sheets(demo, browser, count):
    """Paths of this month's sheets that are still open to post, in groups that are active."""
    month = be_month_slug(timezone.localdate())
    paths = []
    for (group,) in _query(demo, "SELECT id FROM groups_savingsgroup ORDER BY id"):
        path = f"/groups/{group}/sheet/{month}/"
        status, _headers, body = browser.get(path)
        if status == 200 and 'id="sheet-form"' in body and "data-sheet-amount" in body:
            paths.append(path)
        if len(paths) == count:
            return paths
    pytest.fail(f"the demo has fewer than {count} sheets open this month")


def test_saves_at_the_same_moment_all_succeed(demo):
    """Three people press save together, as many times as there are workers: a leader adding a
    community in the admin while two sheets of the month are posted. Each answer is the redirect
    of a save, and each save is in the database."""
    leader = Browser(demo.base).sign_in("leader")
    sheets = _open_sheets(demo, leader, 6)
    answers, start = [], threading.Barrier(3)
    communities_before = _query(demo, "SELECT count(*) FROM songkhla_network_community")[0][0]

    def save(browser, path, fields):
        start.wait()
        status, _headers, body = browser.post(path, fields)
        answers.append((path, status, body[:300] if status != 302 else ""))

    for round_ in range(2):
        people = [Browser(demo.base).sign_in("leader") for _ in range(3)]
        add = people[0].form("/admin/songkhla_network/community/add/")
        add["name"] = f"ชุมชนบันทึกพร้อมกัน {round_}"
        jobs = [(people[0], "/admin/songkhla_network/community/add/", add)]
        for browser, path in zip(people[1:], sheets[2 * round_ : 2 * round_ + 2], strict=True):
            jobs.append((browser, path, browser.form(path)))
        threads = [threading.Thread(target=save, args=job) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    failed = [answer for answer in answers if answer[1] != 302]
    assert not failed, f"saves that failed: {failed}\n{demo.log.read_text()[-2000:]}"
    assert _query(demo, "SELECT count(*) FROM songkhla_network_community")[0][0] == communities_before + 2
    month = timezone.localdate().replace(day=1).isoformat()
    for path in sheets:
        group = int(path.split("/")[2])
        posted = _query(
            demo, "SELECT count(*) FROM groups_collectionsheet WHERE group_id = ? AND month = ?", group, month
        )[0][0]
        assert posted == (1 if path in sheets[:4] else 0), path


def test_not_as_root_a_missing_system_package_stops_make_at_once_with_the_line_to_run():
    command = ["bash", "scripts/system_packages.sh", "test"]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "nobody", "--", *command]
    result = subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, "CHROMIUM": "/nonexistent/chromium"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "sudo apt-get install -y chromium" in result.stderr
