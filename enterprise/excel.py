"""Excel workbooks of the enterprise's figures, in Thai, dates in B.E. as text (Excel would show a
real date in C.E.)."""

from io import BytesIO

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from songkhla_network.thai import be_date

MONEY_FORMAT = "#,##0.00"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet(workbook, title, header, rows, money_columns=()):
    sheet = workbook.create_sheet(title)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for column in money_columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = MONEY_FORMAT
    for index, width in enumerate([48] + [18] * (len(header) - 1), start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width
    return sheet


def statement_workbook(statement, cash_rows):
    workbook = Workbook()
    workbook.remove(workbook.active)
    s = statement
    _sheet(
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
    _sheet(
        workbook,
        _("Cash book"),
        [_("Date"), _("Item"), _("Kind"), _("Amount (baht)")],
        [(be_date(e.date), e.description, e.get_kind_display(), e.amount) for e in cash_rows],
        money_columns=(4,),
    )
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(content, filename):
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
