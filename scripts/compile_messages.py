"""Compile every .po (project locale/ and each app's locale/) to .mo with polib: no system gettext needed."""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent

PO_FILES = [*ROOT.glob("locale/*/LC_MESSAGES/*.po"), *ROOT.glob("huifang/*/locale/*/LC_MESSAGES/*.po")]

for po_path in sorted(PO_FILES):
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        print(f"compiled {po_path.relative_to(ROOT)}")
