"""Columns a sheet cannot do without, checked once from its header before any row is read.

A repair order needs its number, its vehicle's VIN and its opening time; a vehicle needs its VIN. When a sheet
has order or line columns but no column for one of those (a header the synonyms do not know, such as a new
vendor's abbreviation), every row would fail the same way and look like bad data. Instead the file is refused
with one message naming the missing columns and pointing to the column mapping screen ("核对列"), where the user
picks the file's column for each and can save it as the store's mapping.

A workbook with several data sheets loses only the incomplete sheets (one report line each), as long as one
sheet is complete.
"""

from .fields import FIELDS_BY_NAME
from .reading import UnreadableFile

ORDER_REQUIRED = ("ro_number", "vin", "opened_at")
VEHICLE_REQUIRED = ("vin",)
# How many unrecognised headers the message lists (the report lists them all as "ignored").
SHOW_IGNORED = 12


class MissingColumns(UnreadableFile):
    """A sheet lacks a column that every row needs; the message names the columns and the mapping screen."""


def missing_columns(fields: set[str]) -> list[str]:
    """The required fields a sheet with these mapped fields lacks (none for a customer-only sheet)."""
    entities = {FIELDS_BY_NAME[name].entity for name in fields if name in FIELDS_BY_NAME}
    if entities & {"repair_order", "line"}:
        required = ORDER_REQUIRED
    elif "vehicle" in entities:
        required = VEHICLE_REQUIRED
    else:
        required = ()
    return [name for name in required if name not in fields]


def _labels(names: list[str]) -> tuple[str, str]:
    return (
        "、".join(FIELDS_BY_NAME[n].label_zh for n in names),
        ", ".join(FIELDS_BY_NAME[n].label_en for n in names),
    )


def missing_message(missing: list[str], ignored: list[str], sheet: str = "") -> str:
    """One bilingual message: the missing columns, the columns that were not recognised, what to do."""
    zh, en = _labels(missing)
    where_zh, where_en = (f"工作表“{sheet}”", f"sheet '{sheet}'") if sheet else ("文件", "the file")
    text = (
        f"{where_zh}缺少必需的列:{zh}。请在“核对列”页面为它选择文件中的列(可保存为本店的列对应)后重新导入 / "
        f"{where_en} has no column for {en}, which every row needs. Pick the file's column for it on the "
        f"column mapping screen ('Check the columns'; it can be saved as the store's mapping) and import again"
    )
    if ignored:
        shown = ", ".join(ignored[:SHOW_IGNORED]) + (" …" if len(ignored) > SHOW_IGNORED else "")
        text += f"。未识别的列 / columns not recognised: {shown}"
    return text
