"""Excel workbooks every area exports: Thai headers in bold, baht columns as 56,000.00, dates as
B.E. text (a real Excel date would show its C.E. year)."""

import re
from io import BytesIO

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

MONEY_FORMAT = "#,##0.00"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def new_workbook():
    workbook = Workbook()
    workbook.remove(workbook.active)
    return workbook


def add_sheet(workbook, title, header, rows, money_columns=()):
    """A sheet with a bold header row; `money_columns` are 1-based column numbers."""
    # Excel refuses these characters in a sheet's name, and names longer than 31 characters.
    sheet = workbook.create_sheet(re.sub(r"[\[\]:*?/\\]", " ", str(title))[:31].strip())
    sheet.append([str(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for column in money_columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = MONEY_FORMAT
    for index, width in enumerate([40] + [18] * (len(header) - 1), start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width
    return sheet


def xlsx_response(workbook, filename):
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
