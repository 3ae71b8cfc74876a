"""The hostile values every field and query parameter is fed (brief: fuzz; docs/architecture.md, "Hostile input")."""

# Text a user can type or paste: empty, huge, control characters, astral and right-to-left characters, markup,
# and spreadsheet formulas (OWASP CSV injection) that must stay inert text wherever they are stored.
TEXT = (
    "",
    " ",
    "x" * 10_000,
    "a\x00b",
    "😀𝔘𠀀🚗",
    "\u202e\u200fسلام\u200e",
    "<script>alert(1)</script>",
    "=1+1",
    "+cmd|' /C calc'!A0",
    "-2",
    "@SUM(1,1)",
    "\t=1",
    "\r=1",
)
# Numbers a form or query may be given: negative, huge, overflowing a float, not a number at all.
NUMBERS = ("-1", "-99999999999999999999", "99999999999999999999", "1e309", "NaN", "inf", "1.5", "0x10")
# Dates and times that do not exist, or sit at the calendar's edges.
DATES = ("0000-00-00", "9999-12-31", "2026-02-30", "0001-01-01", "25:61", "2026-13-01 25:61", "9999-12-31T23:59")
# Ids: one that does not exist, one beyond a 64-bit integer, negative, not an integer.
IDS = ("999999999", "9223372036854775808", "-1", "abc", "1;drop table x")

# Every field at once is fed each of these; Django forms validate every field, so each field meets each value.
FORM_VALUES = TEXT + NUMBERS + DATES + IDS
# Each field alone is fed these (with the other fields as the page fills them), and another store's ids.
FIELD_VALUES = ("", "x" * 10_000, "a\x00b", "abc", "-1", "99999999999999999999", "1e309", "9999-12-31", "2026-02-30")

# Every other role that may post to a page: every field at once.
SECONDARY_VALUES = ("x" * 10_000, "abc", "-1")

# Each query parameter a page is seen to read is fed these.
QUERY_VALUES = ("-1", "abc", ";drop", "0001-01-01", "2026-02-30", "9999-12-31", "x" * 10_000, "\x00", "1e309")
