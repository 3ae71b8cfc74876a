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

# Every field at once is fed each of these: one value per kind of trouble (the full TEXT, NUMBERS, DATES and IDS
# above cost 2.5x the CPU and found nothing these do not); kept are every kind that found a 500: ids and numbers
# past 64 bits, 1e309, days outside 1900-2999, NUL.
FORM_VALUES = (
    "",
    "x" * 10_000,
    "a\x00b",
    "😀𝔘𠀀🚗",
    "=1+1",
    "-1",
    "99999999999999999999",
    "1e309",
    "NaN",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "25:61",
    "9223372036854775808",
    "abc",
)
# Each field alone is fed these (with the other fields as the page fills them), and another store's ids.
FIELD_VALUES = ("", "x" * 10_000, "a\x00b", "abc", "-1", "99999999999999999999", "1e309", "9999-12-31")

# Every other role that may post to a page: one body, every field at once past 64 bits (the kind that found most).
SECONDARY_VALUES = ("99999999999999999999",)

# Each query parameter a page is seen to read is fed these.
QUERY_VALUES = ("-1", "abc", "0001-01-01", "9999-12-31", "x" * 10_000, "\x00", "1e309", "9223372036854775808")
