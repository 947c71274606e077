"""Builds the static files every page loads, which are committed so that `make run` needs no npm:

- static/fonts/sarabun-{400,700}.woff2: Sarabun cut to the Thai and Latin characters the app
  writes, as WOFF2 (fontTools; WOFF2 needs brotli, which WeasyPrint's fonttools[woff] brings);
- static/css/site.css, the one stylesheet of the pages: the @font-face rules, the rules of
  Bootstrap's bootstrap.min.css (django-bootstrap-static) that templates/, static/js/ and the
  apps' Python use (PurgeCSS, pinned in package.json), then static/css/app.css as written;
- the @font-face block of static/css/admin.css (the admin keeps Django's own CSS, unpurged).

While Sarabun is on its way the pages are drawn in a fallback face whose size-adjust and
ascent/descent/line-gap overrides make it take the room Sarabun will take, so nothing moves when
Sarabun arrives: Noto Sans Thai and Roboto on Android phones, Arial (Liberation Sans, of the same
metrics, on Linux) elsewhere, and on a machine with no Thai font at all (Debian's Chromium as
installed here) Liberation Sans's empty boxes, sized like Sarabun's letters. The sizes are
computed from the fonts' own advance widths over the Thai of the app's catalog and typical figures.

Run it after changing app.css, or after a template, script or form starts using a Bootstrap class
no page used before (tests/config/test_static_assets.py fails until then):

    npm ci && .venv/bin/python scripts/build_static.py          # --check: exit 1 if out of date
"""

import argparse
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import bootstrap
import crispy_bootstrap5
import django
import fontpkg_sarabun
import polib
from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "static" / "fonts"
SITE_CSS = ROOT / "static" / "css" / "site.css"
APP_CSS = ROOT / "static" / "css" / "app.css"
ADMIN_CSS = ROOT / "static" / "css" / "admin.css"
BOOTSTRAP_CSS = Path(bootstrap.__file__).parent / "static" / "bootstrap" / "css" / "bootstrap.min.css"
NODE_MODULES = ROOT / "node_modules"
LIBERATION = Path("/usr/share/fonts/truetype/liberation")  # Debian's fonts-liberation

# Thai, and of Latin what the app writes: ASCII, no-break space, © « ± ² · » ×, dashes, quotes,
# bullet, ellipsis, ‹ ›, the arrows ← ↑ → ↓ (the admin's filters and sorting) and the minus sign.
# A character outside (a name with an accent, say) is drawn in the system's font, as any character
# Sarabun lacks always was. The spaces are apart: their fallback is sized on its own (Arial's space
# is a quarter wider than Sarabun's, its figures as wide).
SPACES = "U+0020, U+00A0"
LATIN_VISIBLE = (
    "U+0021-007E, U+00A9, U+00AB, U+00B1-00B2, U+00B7, U+00BB, U+00D7, U+2013-2014, U+2018-201D, U+2022, U+2026,"
    " U+2039-203A, U+2190-2193, U+2212"
)
LATIN = f"{SPACES}, {LATIN_VISIBLE}"
THAI = "U+0E01-0E5B"
# Regular and bold only: a semibold (600) asks for the bold face, the nearest heavier one (CSS font
# matching), rather than a third file of 17 KB on a treasurer's first visit.
WEIGHTS = {400: "Regular", 700: "Bold"}

# Figures as the pages show them (baht, B.E. dates, counts), to weigh the Latin sample.
FIGURES = "1,234.50 56,225.00 2,811.25 5,000.00 120.00 0.00 9 มี.ค. 2565 12/2568 2569-12 40 122 100.00 "

# Classes that no template, script or form spells out whole: the messages' alert-{{ tags }}.
SAFELIST = ["alert-success", "alert-info", "alert-warning", "alert-danger", "alert-debug"]

BEGIN_FONTS = "/* Sarabun and its fallbacks: written by scripts/build_static.py. */"
END_FONTS = "/* End of what scripts/build_static.py writes. */"


def code_points(ranges: str) -> list[int]:
    points = []
    for part in ranges.split(","):
        first, _, last = part.strip().removeprefix("U+").partition("-")
        points.extend(range(int(first, 16), int(last or first, 16) + 1))
    return points


def sarabun_ttf(weight: int) -> Path:
    return fontpkg_sarabun.ROOT / "files" / f"Sarabun-{WEIGHTS[weight]}.ttf"


def sarabun_woff2(weight: int) -> bytes:
    # The features a browser applies to Thai and Latin text by itself (frac, sups and the
    # stylistic sets only on request, which no page makes), and aalt, which none applies: without
    # it Chromium placed some tone marks (ซื้อ) a pixel away from where the whole font puts them.
    features = ["ccmp", "locl", "liga", "clig", "calt", "rlig", "kern", "mark", "mkmk", "aalt"]
    options = subset.Options(flavor="woff2", layout_features=features)
    font = subset.load_font(str(sarabun_ttf(weight)), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=code_points(LATIN) + code_points(THAI))
    subsetter.subset(font)
    with tempfile.NamedTemporaryFile(suffix=".woff2") as out:
        subset.save_font(font, out.name, options)
        return Path(out.name).read_bytes()


@dataclass(frozen=True)
class Fallback:
    """A font a phone or computer already has, drawn in Sarabun's room while Sarabun loads."""

    family: str
    unicode_ranges: tuple[str, ...]  # each a face of its own, sized on its own
    local_names: dict[int, tuple[str, ...]]  # per weight of Sarabun, the local font's names
    files: dict[int, Path]  # the same fonts, to read their metrics from
    # No Thai glyph at all: every Thai character is drawn as a .notdef box, marks included. (A face
    # of their own for the marks cannot narrow their boxes: a letter and its marks take one font.)
    empty_boxes: bool = False


def npm_font(package: str, name: str) -> Path:
    return NODE_MODULES / "@fontsource" / package / "files" / name


FALLBACKS = [
    Fallback(
        "Sarabun fallback Noto Sans Thai",
        (THAI,),
        {
            400: ("Noto Sans Thai", "Noto Sans Thai Regular", "NotoSansThai-Regular"),
            700: ("Noto Sans Thai Bold", "NotoSansThai-Bold"),
        },
        {w: npm_font("noto-sans-thai", f"noto-sans-thai-thai-{w}-normal.woff2") for w in WEIGHTS},
    ),
    Fallback(
        "Sarabun fallback Roboto",
        (SPACES, LATIN_VISIBLE),
        {
            400: ("Roboto", "Roboto Regular", "Roboto-Regular"),
            700: ("Roboto Bold", "Roboto-Bold"),
        },
        {
            400: npm_font("roboto", "roboto-latin-400-normal.woff2"),
            700: npm_font("roboto", "roboto-latin-700-normal.woff2"),
        },
    ),
    Fallback(
        "Sarabun fallback Arial",
        (SPACES, LATIN_VISIBLE),
        {
            400: ("Arial", "ArialMT", "Liberation Sans", "LiberationSans"),
            700: ("Arial Bold", "Arial-BoldMT", "Liberation Sans Bold", "LiberationSans-Bold"),
        },
        {
            400: LIBERATION / "LiberationSans-Regular.ttf",
            700: LIBERATION / "LiberationSans-Bold.ttf",
        },
    ),
    Fallback(
        "Sarabun fallback no Thai",
        (THAI,),
        {
            400: ("Liberation Sans", "LiberationSans"),
            700: ("Liberation Sans Bold", "LiberationSans-Bold"),
        },
        {
            400: LIBERATION / "LiberationSans-Regular.ttf",
            700: LIBERATION / "LiberationSans-Bold.ttf",
        },
        empty_boxes=True,
    ),
]
FONT_STACK = ", ".join(['"Sarabun"', *(f'"{f.family}"' for f in FALLBACKS), "sans-serif"])


def catalog_text() -> str:
    """The Thai the interface writes: every translation in the catalog, placeholders left out."""
    catalog = polib.pofile(str(ROOT / "locale" / "th" / "LC_MESSAGES" / "django.po"))
    strings = [entry.msgstr or " ".join(entry.msgstr_plural.values()) for entry in catalog]
    return re.sub(r"%\(\w+\)[sd]|%[sd]|\{\w*\}", "", " ".join(strings))


def sample(unicode_range: str) -> str:
    wanted = set(code_points(unicode_range))
    return "".join(ch for ch in catalog_text() + FIGURES * 20 if ord(ch) in wanted)


def width(font: TTFont, text: str, *, empty_boxes: bool = False) -> float:
    """The advance of the text in em, letter by letter (Thai marks advance nothing in both fonts)."""
    cmap, advances = font.getBestCmap(), font["hmtx"]
    em = font["head"].unitsPerEm
    if empty_boxes:
        return advances[".notdef"][0] * len(text) / em
    return sum(advances[cmap[ord(ch)]][0] for ch in text if ord(ch) in cmap) / em


def percent(value: float) -> str:
    return f"{value * 100:.2f}%"


def fallback_faces() -> str:
    faces = []
    for fallback, unicode_range in ((f, r) for f in FALLBACKS for r in f.unicode_ranges):
        text = sample(unicode_range)
        for weight in WEIGHTS:
            path = fallback.files[weight]
            if not path.exists():
                sys.exit(f"{path} is missing: `npm ci` (fontsource) or `apt-get install fonts-liberation`.")
            sarabun, local = TTFont(sarabun_ttf(weight)), TTFont(path)
            size_adjust = width(sarabun, text) / width(local, text, empty_boxes=fallback.empty_boxes)
            # The overrides are scaled by size-adjust in turn: divided by it, they are Sarabun's.
            em, hhea = sarabun["head"].unitsPerEm, sarabun["hhea"]
            sources = ", ".join(f'local("{name}")' for name in fallback.local_names[weight])
            faces.append(
                f'@font-face {{ font-family: "{fallback.family}"; font-weight: {weight}; src: {sources};'
                f" unicode-range: {unicode_range}; size-adjust: {percent(size_adjust)};"
                f" ascent-override: {percent(hhea.ascent / em / size_adjust)};"
                f" descent-override: {percent(-hhea.descent / em / size_adjust)};"
                f" line-gap-override: {percent(hhea.lineGap / em / size_adjust)}; }}"
            )
    return "\n".join(faces)


def font_css() -> str:
    sarabun = "\n".join(
        f'@font-face {{ font-family: "Sarabun"; font-weight: {weight}; font-style: normal; font-display: swap;'
        f' src: url("../fonts/sarabun-{weight}.woff2") format("woff2"); unicode-range: {LATIN}, {THAI}; }}'
        for weight in WEIGHTS
    )
    return f"{BEGIN_FONTS}\n{sarabun}\n{fallback_faces()}\n:root {{ --sarabun: {FONT_STACK}; }}\n{END_FONTS}\n"


def content_files() -> list[Path]:
    """Where a class, an element or an attribute may be written: the templates (Django's and
    Jinja2's), the scripts, the
    apps' Python (form widgets' classes), the templates that `|crispy` and `as_crispy_field` draw
    forms with, and Django's form widgets: their templates (<textarea>, <select>) and their
    Python, which gives the input types ([type=radio], [type=file])."""
    apps = ["config", "network", "groups", "enterprise", "housing", "rent_collection", "works", "songkhla_network"]
    crispy = Path(crispy_bootstrap5.__file__).parent / "templates" / "bootstrap5"
    crispy_templates = ["uni_form", "uni_formset", "errors", "errors_formset", "field"]
    crispy_layouts = ["attrs", "field_errors", "field_errors_block", "field_file", "help_text", "help_text_and_errors"]
    return sorted(
        [
            *(ROOT / "templates").glob("**/*.html"),
            *(ROOT / "jinja2").glob("**/*.jinja"),
            *(ROOT / "static" / "js").glob("**/*.js"),
            *(path for app in apps for path in (ROOT / app).glob("**/*.py") if "migrations" not in path.parts),
            *(crispy / f"{name}.html" for name in crispy_templates),
            *(crispy / "layout" / f"{name}.html" for name in [*crispy_layouts, "radio_checkbox_select"]),
            *(Path(django.__file__).parent / "forms" / "templates" / "django" / "forms").glob("**/*.html"),
            Path(django.__file__).parent / "forms" / "widgets.py",
        ]
    )


def purged_bootstrap() -> str:
    purgecss = NODE_MODULES / ".bin" / "purgecss"
    if not purgecss.exists():
        sys.exit("PurgeCSS is not installed: run `npm ci` first.")
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            [
                str(purgecss),
                "--css",
                str(BOOTSTRAP_CSS),
                "--content",
                *map(str, content_files()),
                "--keyframes",
                "--safelist",
                *SAFELIST,
                "--output",
                out,
            ],
            check=True,
        )
        css = (Path(out) / BOOTSTRAP_CSS.name).read_text(encoding="utf-8")
    # Its source map is not served.
    return re.sub(r"/\*# sourceMappingURL=.*?\*/", "", css).strip()


def site_css() -> str:
    return (
        "/* The pages' one stylesheet, built by scripts/build_static.py: Sarabun, the rules of Bootstrap the\n"
        "   pages use, then app.css. Do not edit it: edit app.css and run the script. */\n"
        f"{font_css()}{purged_bootstrap()}\n{APP_CSS.read_text(encoding='utf-8')}"
    )


def admin_css() -> str:
    css = ADMIN_CSS.read_text(encoding="utf-8")
    before, _, rest = css.partition(BEGIN_FONTS)
    _, _, after = rest.partition(END_FONTS + "\n")
    return before + font_css() + after


def outputs() -> dict[Path, bytes]:
    files = {FONTS / f"sarabun-{weight}.woff2": sarabun_woff2(weight) for weight in WEIGHTS}
    files[SITE_CSS] = site_css().encode()
    files[ADMIN_CSS] = admin_css().encode()
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a built file is out of date")
    args = parser.parse_args()
    stale = []
    for path, data in outputs().items():
        if path.exists() and path.read_bytes() == data:
            continue
        stale.append(path.relative_to(ROOT))
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    for path in stale:
        print(f"{'out of date' if args.check else 'wrote'}: {path}")
    if args.check and stale:
        sys.exit(1)


if __name__ == "__main__":
    main()
