"""The committed static files the pages load (scripts/build_static.py builds them; `make run`
needs no npm): one stylesheet with every Bootstrap rule a page can use, app.css as written, and
Sarabun cut to what the interface writes, preloaded by every page. A test here fails when a
template, script or form starts using a Bootstrap class no page used before, or app.css changes,
and the build was not run again."""

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
import tinycss2
from django.conf import settings
from django.urls import reverse
from fontTools.ttLib import TTFont

from scripts import build_static

STATIC = Path(settings.BASE_DIR) / "static"
SITE_CSS = (STATIC / "css" / "site.css").read_text(encoding="utf-8")


def selectors(css):
    """Every selector of every style rule, in @media and @supports blocks too."""
    found = set()

    def walk(rules):
        for rule in rules:
            if rule.type == "qualified-rule":
                found.update(part.strip() for part in tinycss2.serialize(rule.prelude).split(","))
            elif rule.type == "at-rule" and rule.at_keyword in ("media", "supports") and rule.content:
                walk(tinycss2.parse_rule_list(rule.content, skip_whitespace=True, skip_comments=True))

    walk(tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True))
    return found


def names(selector):
    """The classes, elements, attributes and attribute values a selector needs (not those inside
    :not() and the like)."""
    outside = re.sub(r"\([^)]*\)", "", selector)
    classes = re.findall(r"\.(-?[_a-zA-Z][\w-]*)", outside)
    elements = re.findall(r"(?:^|[\s>+~])([a-z][a-z0-9]*)", outside)
    attributes = [
        word for attribute in re.findall(r"\[([^\]]+)\]", outside) for word in re.findall(r"[\w-]+", attribute)
    ]
    return {*classes, *elements, *attributes}


def words_in(paths):
    return {word for path in paths for word in re.findall(r"[\w-]+", path.read_text(encoding="utf-8", errors="ignore"))}


def test_every_bootstrap_rule_a_page_can_use_is_in_the_stylesheet():
    # A rule of a class is needed when every class, element and attribute it names is written
    # somewhere a page's markup comes from (PurgeCSS keeps those).
    used = words_in(build_static.content_files()) | set(build_static.SAFELIST)
    bootstrap = selectors(build_static.BOOTSTRAP_CSS.read_text(encoding="utf-8"))
    needed = {s for s in bootstrap if "." in s and names(s) <= used}
    missing = sorted(needed - selectors(SITE_CSS))
    assert not missing, (
        f"static/css/site.css lacks {len(missing)} Bootstrap rules the templates now use, e.g. {missing[:5]}: "
        "run `npm ci && .venv/bin/python scripts/build_static.py`"
    )


def test_the_stylesheet_ends_with_app_css_as_written():
    app_css = (STATIC / "css" / "app.css").read_text(encoding="utf-8")
    assert SITE_CSS.endswith(app_css), "app.css changed: run scripts/build_static.py to build site.css again"


def test_the_admin_stylesheet_has_the_fonts_of_the_pages():
    admin_css = (STATIC / "css" / "admin.css").read_text(encoding="utf-8")
    start = SITE_CSS.index(build_static.BEGIN_FONTS)
    end = SITE_CSS.index(build_static.END_FONTS) + len(build_static.END_FONTS)
    assert SITE_CSS[start:end] in admin_css


TEMPLATES_JINJA = sorted((Path(settings.BASE_DIR) / "jinja2").glob("**/*.jinja"))


def interface_text():
    """What the interface writes: the catalogs' Thai, the templates and the apps' Python (Thai
    months, baht in words, the demo's names)."""
    catalogs = [
        Path(settings.BASE_DIR) / folder / "th" / "LC_MESSAGES" / "django.po" for folder in ("locale", "locale_django")
    ]
    text = "".join(
        entry.msgstr + "".join(entry.msgstr_plural.values()) for po in catalogs for entry in polib.pofile(str(po))
    )
    sources = [*(Path(settings.BASE_DIR) / "templates").glob("**/*.html"), *TEMPLATES_JINJA]
    sources += [p for p in build_static.content_files() if p.suffix == ".py"]
    return text + "".join(path.read_text(encoding="utf-8") for path in sources)


@pytest.mark.parametrize("weight", sorted(build_static.WEIGHTS))
def test_sarabun_has_every_character_the_interface_writes(weight):
    web = TTFont(STATIC / "fonts" / f"sarabun-{weight}.woff2").getBestCmap()
    whole = TTFont(build_static.sarabun_ttf(weight)).getBestCmap()
    # What the whole Sarabun lacks (✓, say) was never drawn in Sarabun.
    missing = sorted({ch for ch in interface_text() if ord(ch) in whole and ord(ch) not in web and ch.isprintable()})
    assert not missing, (
        f"sarabun-{weight}.woff2 lacks {''.join(missing)!r}: add them to LATIN in scripts/build_static.py"
    )


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.scripts = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link":
            self.links.append(attrs)
        elif tag == "script":
            self.scripts.append(attrs)


def font_urls_of_the_stylesheet():
    return {f"/static/fonts/{name}" for name in re.findall(r'url\("\.\./fonts/([^"]+)"\)', SITE_CSS)}


@pytest.mark.django_db
def test_a_page_has_one_stylesheet_and_preloads_the_fonts_it_uses(client, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    head = Tags()
    head.feed(client.get(reverse("login")).content.decode())
    stylesheets = [link["href"] for link in head.links if link.get("rel") == "stylesheet"]
    assert stylesheets == ["/static/css/site.css"]
    preloads = [link for link in head.links if link.get("rel") == "preload"]
    assert [link["href"] for link in preloads] == ["/static/fonts/sarabun-400.woff2", "/static/fonts/sarabun-700.woff2"]
    # A preloaded font is used only if it was asked for as the stylesheet asks for a font.
    assert all(link["as"] == "font" and link["type"] == "font/woff2" and "crossorigin" in link for link in preloads)
    assert {link["href"] for link in preloads} <= font_urls_of_the_stylesheet()


def test_every_script_waits_for_the_page():
    for template in [*(Path(settings.BASE_DIR) / "templates").glob("**/*.html"), *TEMPLATES_JINJA]:
        tags = Tags()
        tags.feed(template.read_text(encoding="utf-8"))
        assert all("defer" in script for script in tags.scripts if "src" in script), template
