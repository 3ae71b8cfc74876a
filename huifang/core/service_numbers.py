"""Service numbers: company hotlines that are never a person's phone (400 and 800 numbers, 95xxx short numbers).
They cannot receive an SMS and calling one reaches a call centre, not the customer. (Other short numbers,
10086 or 12345, are not phone numbers to `phonenumbers` at all and were refused already.)

`phonenumbers` accepts 400 and 800 numbers as valid (shared-cost and toll-free types), so the import would
store `400-820-8820` as a customer's mobile; the shapes are checked here, on the digits as written.
"""

import re

# 400 / 800 + 7 digits (national "400 820 8820"); 95 + 3 to 6 digits (bank, insurer and carrier hotlines,
# 95588, 95105105).
_SERVICE = re.compile(r"^(?:[48]00\d{7}|95\d{3,6})$")
_SEPARATORS = re.compile(r"[\s()\-.]")
_PREFIX_86 = re.compile(r"^(?:\+|00)?86(?=[48]00\d{7}$|95\d{3,6}$)")


def is_service_number(raw: str) -> bool:
    """True for '400-820-8820', '+86 400 820 8820', '800 810 8888', '95588' (digits as written)."""
    compact = _SEPARATORS.sub("", (raw or "").strip())
    if not compact or not compact.lstrip("+").isdigit():
        return False
    return bool(_SERVICE.match(_PREFIX_86.sub("", compact)))
