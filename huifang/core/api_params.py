"""Bounded parameter types for the API: a value outside them is a 422 naming the parameter, where it would
otherwise overflow the database driver (ids past 64 bits) or date arithmetic (the day after 9999-12-31)."""

from datetime import date
from typing import Annotated

from pydantic import Field

# PostgreSQL bigint and SQLite INTEGER end here; a larger id names no row.
MAX_ROW_ID = 2**63 - 1
# No list is this long; an offset past it would overflow the database driver (offset + limit past 64 bits).
MAX_OFFSET = 10**9
# Days the product's calendars, reports and lists can be asked about; the margins keep a week's or a
# month's arithmetic inside Python's date range.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)

RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
# An id where 0 means "nobody" (the queue's `assignee`).
RowIdOrZero = Annotated[int, Field(ge=0, le=MAX_ROW_ID)]
Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
