"""ID card numbers never appear in full in the audit trail, on screen or through the API."""

import pytest

from huifang.archive.schemas import mask_audit_changes
from huifang.archive.templatetags.archive_tags import change_rows
from huifang.core.masking import mask_id_number


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("44030519900615123X", "440***********123X"),
        ("440305900615123", "440********5123"),
        ("1234567", "*******"),
        ("", ""),
    ],
)
def test_id_numbers_keep_the_region_and_the_last_four(value, masked):
    assert mask_id_number(value) == masked


def test_audit_changes_mask_id_numbers_in_the_api_and_on_screen():
    changes = {"id_number": ["", "44030519900615123X"], "mobile": ["+8613812345678", ""], "level": ["", "A"]}
    assert mask_audit_changes(changes) == {
        "id_number": ["", "440***********123X"],
        "mobile": ["138****5678", ""],
        "level": ["", "A"],
    }
    rows = {row["field"]: (row["old"], row["new"]) for row in change_rows(changes)}
    assert "44030519900615123X" not in str(rows)
    assert ("", "440***********123X") in rows.values()
