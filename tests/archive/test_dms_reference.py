"""The column reference and the sample DMS export come from the import's own synonym table."""

import csv
from pathlib import Path

import pytest

from huifang.appointments.dms_import.columns import COLUMNS
from huifang.archive.dms_reference import column_reference_markdown, sample_export_write
from huifang.archive.importing.fields import FIELDS

ROOT = Path(__file__).resolve().parents[2]


def test_committed_column_reference_matches_the_code():
    # given the committed docs/dms-columns.md, when compared with what the code generates, then equal
    committed = (ROOT / "docs" / "dms-columns.md").read_text(encoding="utf-8")
    assert committed == column_reference_markdown() + "\n", "run: python manage.py write_dms_reference"


def test_reference_lists_every_accepted_header():
    # when the reference is generated
    text = column_reference_markdown()
    # then every field's Chinese and English label and every synonym appears
    for field in FIELDS:
        assert f"`{field.name}` | {field.label_zh} | {field.label_en} |" in text
        for synonym in field.synonyms:
            assert synonym.replace("|", "\\|") in text


def test_reference_lists_every_appointment_column_after_the_archive_fields():
    # when the reference is generated
    text = column_reference_markdown()
    section = text[text.index("## 预约导出") :]
    # then the appointment import's section names each column, its headers and whether it is required
    for column in COLUMNS:
        required = "是 · yes" if column.required else ""
        assert f"| `{column.name}` | {column.label_zh} | {column.label_en} | " in section
        assert all(synonym in section for synonym in column.synonyms)
        assert section.split(f"| `{column.name}` |")[1].split("\n")[0].endswith(f"| {required} |")
    assert "| `dms_number` | 预约单号 |" in section and "`line_amount`" not in section


@pytest.mark.django_db
def test_sample_export_imports_without_a_rejected_row(tmp_path, store):
    # given the sample file as generated
    from huifang.archive.importing.services import dms_import_file

    path = tmp_path / "sample.csv"
    rows = sample_export_write(path)
    with path.open(encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        customer_codes = {row[0] for row in reader}
    assert header[:3] == ["客户编号", "客户名称", "客户类型"]
    # when it is imported into a store
    batch = dms_import_file(store=store, path=path, actor=None)
    # then every row lands
    assert rows > 50
    assert batch.rejections.count() == 0
    assert store.customers.count() == len(customer_codes) == 5
