"""The access log as an XLSX file (the export of the log is itself logged by the caller)."""

from django.utils.translation import gettext as _

from huifang.core.spreadsheet import xlsx_bytes

from .choices import LOGGED_ACTIONS
from .details import details_text


def access_log_xlsx(entries, *, tz) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = _("Access log")[:31]
    sheet.append([_("Time"), _("Store"), _("Who"), _("Action"), _("Record"), _("Details")])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for e in entries.iterator(chunk_size=2000):
        sheet.append(
            [
                e.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                e.store.name if e.store else "",
                e.actor.username if e.actor else "",
                str(LOGGED_ACTIONS.get(e.action, e.action)),
                e.object_repr,
                details_text(e.changes),  # as on the screen: "号码字段: 手机", not "field: mobile"
            ]
        )
    return xlsx_bytes(book)
