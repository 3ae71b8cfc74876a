from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from huifang.archive.dms_reference import column_reference_markdown, sample_export_write

REFERENCE = Path(settings.BASE_DIR) / "docs" / "dms-columns.md"
SAMPLE = Path(settings.BASE_DIR) / "huifang" / "static" / "samples" / "dms-export-sample.csv"


class Command(BaseCommand):
    help = "Write docs/dms-columns.md and the sample DMS export from the import's field and synonym table."

    def handle(self, *args, **options):
        REFERENCE.parent.mkdir(parents=True, exist_ok=True)
        REFERENCE.write_text(column_reference_markdown() + "\n", encoding="utf-8")
        rows = sample_export_write(SAMPLE)
        self.stdout.write(
            f"wrote {REFERENCE.relative_to(settings.BASE_DIR)} and {SAMPLE.relative_to(settings.BASE_DIR)} ({rows} rows)"
        )
