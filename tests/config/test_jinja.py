"""The treasurer's busiest pages are Jinja2 templates (jinja2/, songkhla_network/jinja.py), the
rest Django's: both draw the same page around what they show, and every Jinja2 template compiles."""

import datetime
import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

JINJA = Path(settings.BASE_DIR) / "jinja2"


def chrome(page: str) -> dict[str, str]:
    """What base.html and base.jinja both draw, each part with its white space and its escaping
    made alike and the form token (a new one on each page) left out."""

    def part(pattern: str) -> str:
        (found,) = re.findall(pattern, page, flags=re.S)
        found = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", found)
        return re.sub(r"\s+", " ", html.unescape(found)).strip()

    return {
        "head": part(r"<head>(.*?)<title>") + part(r"</title>(.*?)</head>"),
        "header": part(r"(<header.*?</header>)"),
        "footer": part(r"(<footer.*?</footer>)"),
        "group": part(r'(<nav class="small mb-1".*?</nav>)'),
    }


@pytest.mark.parametrize("who", ["leader", "staff", "treasurer_a"])
def test_a_jinja_page_and_a_django_page_are_drawn_alike(request, client, group_a, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    member = group_a.members.get(number=1)
    django_page = client.get(reverse("groups:sheet_choose", args=[group_a.pk]))  # templates/groups/
    jinja_page = client.get(reverse("groups:passbook", args=[group_a.pk, member.pk]))  # jinja2/groups/
    assert [t.name for t in django_page.templates][0] == "groups/sheet_choose.html"
    assert jinja_page.templates[0].name == "groups/passbook.jinja"
    django_chrome, jinja_chrome = chrome(django_page.content.decode()), chrome(jinja_page.content.decode())
    for name in django_chrome:
        assert jinja_chrome[name] == django_chrome[name], name
    assert user.get_role_display() in jinja_chrome["footer"]


def test_a_message_is_shown_on_a_jinja_page(client, group_a, treasurer_a):
    client.force_login(treasurer_a)
    member = group_a.members.get(number=1)
    url = reverse("groups:deposit", args=[group_a.pk, member.pk])
    key = client.get(url).context["form"]["request_key"].value()
    data = {"month_0": "1", "month_1": "2565", "date": "5/1/2565", "amount": "100", "request_key": key}
    response = client.post(url, data, follow=True)
    assert response.templates[0].name == "groups/passbook.jinja"
    assert 'role="alert">บันทึกเงินฝากแล้ว' in response.content.decode()


def test_every_jinja_template_compiles():
    environment = engines["jinja2"].env
    names = [str(path.relative_to(JINJA)) for path in JINJA.glob("**/*.jinja")]
    assert len(names) >= 10
    for name in names:
        environment.get_template(name)


def test_a_translation_with_a_per_cent_sign_of_its_own_reads_as_written():
    # A Jinja2 translation is always a format string: the Thai "(%)" of a message without one
    # must not be read as the start of a figure.
    environment = engines["jinja2"].env
    with translation.override("th"):
        shown = environment.from_string('{{ _("More than 30 days late (percent)") }}').render()
        assert shown == translation.gettext("More than 30 days late (percent)") and "%" in shown
        levy = environment.from_string('{{ _("Levy 5 %%") }}').render()
        assert levy == translation.gettext("Levy 5 %%").replace("%%", "%")


def test_a_row_given_as_a_dict_reads_as_jinja2_reads_it():
    """PageEnvironment reads a dict's key at once; what it does not hold, and an object's
    attributes, read as Jinja2 reads them."""
    env = engines["jinja2"].env
    row = {"name": "สมศรี", "items": "รายการ", "money": 0}
    template = env.from_string("{{ row.name }}|{{ row.missing }}|{{ row.money }}|{{ row.items }}|{{ date.year }}")
    assert template.render(row=row, date=datetime.date(2026, 12, 7)) == "สมศรี||0|รายการ|2026"
    assert env.from_string("{{ row.keys()|list|length }}").render(row={"a": 1}) == "1"
    assert env.from_string("{{ row.name.missing }}|{{ none.x }}").render(row=row, none=None) == "|"


def test_a_translation_takes_variables_of_any_name():
    env = engines["jinja2"].env
    with translation.override("th"):
        text = env.from_string(
            '{{ _("%(message)s and %(context)s", message="<b>", context=1) }}|'
            '{{ pgettext("menu", "%(number)s of %(context)s", number=2, context=3) }}|'
            '{{ ngettext("%(number)s day", "%(number)s days", 2, number="<i>") }}'
        ).render()
    assert text == "&lt;b&gt; and 1|2 of 3|&lt;i&gt; days"
