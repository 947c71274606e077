"""The enterprise statement as an Excel workbook: the figures of the statement page, then each
ledger of the period as its page shows it."""

from django.utils.translation import gettext as _

from songkhla_network.excel import add_sheet, new_workbook
from songkhla_network.thai import be_date


def statement_rows(s):
    """(label, amount) of the statement, in the order of its page."""
    return [
        (_("Period"), f"{be_date(s.first)} – {be_date(s.last)}"),
        (_("Cash at the start"), s.opening_cash),
        (_("Donations, less those reversed"), s.donations),
        # xgettext:no-python-format — "5 % l" is no placeholder: nothing is put into this string
        (_("5 % levy posted into the cash book in the period (by the date of posting)"), s.levy_posted),
        (_("Sales and shares to members"), s.sales),
        (_("Goods bought for members"), -s.purchases),
        (_("Production costs"), -s.production_costs),
        (_("Cash at the end"), s.closing_cash),
        # xgettext:no-python-format — "5 % l" is no placeholder: nothing is put into this string
        (_("5 % levy owed on the deposits for the period's months (by the month a saving is for)"), s.levy_owed),
        (_("Stock of goods at cost"), s.goods_stock),
        (_("Raw materials at cost"), s.materials_stock),
        (_("Liquids made, at cost"), s.liquids_stock),
        (_("What members saved against retail prices"), s.members_saved),
    ]


def statement_workbook(statement, cash_rows):
    workbook = new_workbook()
    s = statement
    add_sheet(workbook, _("Statement"), [_("Item"), _("Amount (baht)")], statement_rows(s), money_columns=(2,))
    add_sheet(
        workbook,
        _("Cash book"),
        [_("Date"), _("Item"), _("Kind"), _("Amount (baht)")],
        [(be_date(e.date), e.description, e.get_kind_display(), e.amount) for e in cash_rows],
        money_columns=(4,),
    )
    add_sheet(
        workbook,
        _("Stock of goods"),
        [
            _("Product"),
            _("Unit"),
            _("At the start"),
            _("Received"),
            _("Given out"),
            _("Spoiled"),
            _("Counted"),
            _("At the end"),
            _("Value at cost (baht)"),
        ],
        [
            (
                g.product.name,
                g.product.unit,
                g.opening,
                g.received,
                g.given_out,
                g.spoiled,
                g.counted,
                g.closing,
                g.value,
            )
            for g in s.goods
        ],
        money_columns=(9,),
    )
    add_sheet(
        workbook,
        _("Raw materials"),
        [
            _("Raw material"),
            _("Unit"),
            _("At the start"),
            _("Bought"),
            _("Back from reversed batches"),
            _("Used"),
            _("Spoiled"),
            _("Purchases reversed"),
            _("Counted"),
            _("At the end"),
            _("Value at cost (baht)"),
        ],
        [
            (
                m.material.name,
                m.material.unit,
                m.opening,
                m.bought,
                m.returned,
                m.used,
                m.spoiled,
                m.purchases_reversed,
                m.counted,
                m.closing,
                m.value,
            )
            for m in s.materials
        ],
        money_columns=(11,),
    )
    add_sheet(
        workbook,
        _("Liquids"),
        [
            _("Liquid"),
            _("Litres at the start"),
            _("Made"),
            _("Batches reversed"),
            _("Shared or sold"),
            _("Litres at the end"),
            _("Value at cost (baht)"),
        ],
        [(x.recipe.name, x.opening, x.made, x.reversed, x.sold, x.closing, x.value) for x in s.liquids],
        money_columns=(7,),
    )
    return workbook
