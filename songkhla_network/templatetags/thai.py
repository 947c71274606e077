"""Template filters for Thai conventions, available in every template (see TEMPLATES builtins)."""

from decimal import Decimal
from typing import TypeVar

from django import template

from songkhla_network import thai
from songkhla_network.validators import mask_national_id

register = template.Library()

Number = TypeVar("Number", Decimal, int)

register.filter("be_date", thai.be_date)
register.filter("be_date_short", thai.be_date_short)
register.filter("be_month", thai.be_month)
register.filter("be_datetime", thai.be_datetime)
register.filter("be_month_slug", thai.be_month_slug)
register.filter("baht", thai.format_baht)
register.filter("baht_words", thai.baht_words)
register.filter("masked_id", mask_national_id)


@register.filter
def absolute(value: Number) -> Number:
    return abs(value)


register.filter("be_month_short", thai.be_month_short)
register.filter("be_year", thai.be_year)
register.filter("be_date_local", thai.be_date_local)
register.filter("quantity", thai.format_quantity)


@register.filter
def surname_apart(name: object) -> str:
    """A person's name with its last word, the surname, on a line of its own (for a cell that
    keeps line breaks: white-space: pre-line). Thai breaks a line between any two syllables, so a
    narrow column would otherwise split a surname."""
    first, _, last = str(name).rpartition(" ")
    return f"{first}\n{last}" if first else last
