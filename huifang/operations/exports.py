"""XLSX export of seed 002's 顾客统计表 (openpyxl), laid out like the seed: months across, figures down."""

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from huifang.accounts.models import Store
from huifang.core.spreadsheet import xlsx_bytes

HEADER_FILL = PatternFill("solid", fgColor="E6F0EC")


def customer_statistics_xlsx(*, store: Store, table: dict) -> bytes:
    """The statistics table of one store and year as an .xlsx file."""
    book = Workbook()
    sheet = book.active
    sheet.title = str(table["year"])
    sheet.append([_("Customer statistics table (顾客统计表)"), store.name])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([_("Year"), table["year"]])
    header = [_("Figure"), _("Model"), *[f"{m.month}月" for m in table["months"]], _("Total")]
    sheet.append(header)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
    for block in table["blocks"]:
        sheet.append([str(block["label"]), _("All models"), *block["totals"], block["total"]])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        for row in block["models"]:
            sheet.append(["", row["model"], *row["values"], row["total"]])
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 12
    sheet.freeze_panes = "C4"
    return xlsx_bytes(book)
