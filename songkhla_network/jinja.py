"""The Jinja2 environment of the busiest pages (jinja2/): the month's sheet (the form and a posted
sheet), the passbook and the group's page a treasurer opens at every meeting, and the leaders'
dashboard and network summary. Django's template language took a third of those pages' CPU,
Jinja2 a fraction of it (issue 16); every other page stays a Django template, one language per
page.

What the Django templates have, the Jinja2 ones have under the same names: the Thai filters
(songkhla_network.templatetags.thai) and floatformat, `url(name, *args)`, `static(path)`,
`field_box(field)` (a form's box as crispy-forms' `as_crispy_field` draws it, written out:
songkhla_network/boxes.py), and the translations as
functions, which `make makemessages` finds through Jinja2's own extraction
(songkhla_network/management/commands/makemessages.py): `_("…", name=value)`,
`ngettext("…", "…", n, counter=n)`, `pgettext(context, "…")`. The request, csrf_input and the
context processors' names come from Django's Jinja2 backend."""

import functools
from typing import Any

from django.template.defaultfilters import floatformat
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext, ngettext, npgettext, pgettext
from jinja2.runtime import Context
from markupsafe import Markup

from jinja2 import Environment, pass_context

from .boxes import box
from .templatetags.thai import register


def url(name: str, *args: Any) -> str:
    """reverse(name, args=args); each address is worked out once per process (the menu's dozen
    links are the same on every page), under the script prefix and the URLconf in force."""
    return _url(get_script_prefix(), get_urlconf(), name, args)


@functools.lru_cache(maxsize=4096)
def _url(prefix: str, urlconf: Any, name: str, args: tuple[Any, ...]) -> str:
    return reverse(name, urlconf=urlconf, args=args)


def _literal(message: str, translated: str) -> str:
    """A translation whose message has no per cent sign, with its own (a Thai "(%)") doubled: a
    Jinja2 translation is always a format string, and "%" alone would not read as one."""
    return translated if "%" in message else translated.replace("%", "%%")


def _gettext(message: str) -> str:
    return _literal(message, gettext(message))


def _pgettext(context: str, message: str) -> str:
    return _literal(message, pgettext(context, message))


# What Jinja2's i18n extension installs (newstyle: a translation is escaped, then formatted with
# its variables, which may have any name, `number` too), each in one call: the extension's own go
# through three of Jinja2's context calls for every string, a third of the sheet form's template
# time (issue 16).


def _formatted(context: Context, translated: str, variables: dict[str, Any]) -> str:
    return (Markup(translated) if context.eval_ctx.autoescape else translated) % variables


@pass_context
def _page_gettext(context: Context, message: str, /, **variables: Any) -> str:
    return _formatted(context, _gettext(message), variables)


@pass_context
def _page_pgettext(context: Context, msgctxt: str, message: str, /, **variables: Any) -> str:
    variables.setdefault("context", msgctxt)
    return _formatted(context, _pgettext(msgctxt, message), variables)


@pass_context
def _page_ngettext(context: Context, singular: str, plural: str, number: int, /, **variables: Any) -> str:
    variables.setdefault("num", number)
    return _formatted(context, ngettext(singular, plural, number), variables)


class PageEnvironment(Environment):
    """Jinja2's environment, but `row.name` on a dict that holds "name" reads it at once. Jinja2
    tries the attribute first and the key only after getattr has failed: a raised and caught
    AttributeError for each cell of the rows the views hand over as dicts (the sheet's, the
    passbook's), half the time of those rows (issue 16). No page calls a dict's own methods."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)


def environment(**options: Any) -> Environment:
    env = PageEnvironment(extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_callables(  # type: ignore[attr-defined]  # added by the i18n extension
        _gettext, ngettext, newstyle=True, pgettext=_pgettext, npgettext=npgettext
    )
    env.globals.update(_=_page_gettext, gettext=_page_gettext, pgettext=_page_pgettext, ngettext=_page_ngettext)
    env.globals.update(url=url, static=static, field_box=box)
    env.filters.update(register.filters, floatformat=floatformat)
    return env
