"""The enterprise statement as an Excel workbook."""

from django.utils.translation import gettext as _

from songkhla_network.excel import add_sheet, new_workbook
from songkhla_network.thai import be_date


def statement_workbook(statement, cash_rows):
    workbook = new_workbook()
    s = statement
    add_sheet(
        workbook,
        _("Statement"),
        [_("Item"), _("Amount (baht)")],
        [
            (_("Period"), f"{be_date(s.first)} – {be_date(s.last)}"),
            (_("Cash at the start"), s.opening_cash),
            (_("Donations"), s.donations),
            (_("Levy on savings deposits"), s.levy),
            (_("Goods bought for members"), s.purchases),
            (_("Production costs"), s.production_costs),
            (_("Sales and shares to members"), s.sales),
            (_("Cash at the end"), s.closing_cash),
            (_("Stock of goods at cost"), s.goods_stock),
            (_("Raw materials at cost"), s.materials_stock),
            (_("Liquids made, at cost"), s.liquids_stock),
            (_("What members saved against retail prices"), s.members_saved),
        ],
        money_columns=(2,),
    )
    add_sheet(
        workbook,
        _("Cash book"),
        [_("Date"), _("Item"), _("Kind"), _("Amount (baht)")],
        [(be_date(e.date), e.description, e.get_kind_display(), e.amount) for e in cash_rows],
        money_columns=(4,),
    )
    return workbook
