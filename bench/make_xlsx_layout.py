"""Data for bench_xlsx_layout.py. A big XLSX written by hand (inline strings): N data rows, 20 columns; with 'merged', the order columns A-K of
every two rows merged (N/2 orders x 11 ranges) and every 50th row hidden."""

import sys
import zipfile

from openpyxl.utils import get_column_letter as L

N, merged, out = int(sys.argv[1]), sys.argv[2] == "merged", sys.argv[3]
CT = '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
RELS = '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
WB = '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>'
WBRELS = '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for name, text in (
        ("[Content_Types].xml", CT),
        ("_rels/.rels", RELS),
        ("xl/workbook.xml", WB),
        ("xl/_rels/workbook.xml.rels", WBRELS),
    ):
        z.writestr(name, text)
    with z.open("xl/worksheets/sheet1.xml", "w") as f:
        f.write(
            b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        )

        def cell(r, c, v):
            return f'<c r="{L(c)}{r}" t="inlineStr"><is><t>{v}</t></is></c>'

        f.write(('<row r="1">' + "".join(cell(1, c, f"col{c}") for c in range(1, 21)) + "</row>").encode())
        for r in range(2, N + 2):
            second = merged and r % 2 == 1
            cells = "".join(
                cell(r, c, f"RO{r // 2:07d}" if c == 1 else f"v{r}_{c}")
                for c in range(1, 21)
                if not (second and c <= 11)
            )
            hidden = ' hidden="1"' if merged and r % 50 == 0 else ""
            f.write(f'<row r="{r}"{hidden}>{cells}</row>'.encode())
        f.write(b"</sheetData>")
        if merged:
            f.write(f'<mergeCells count="{(N // 2) * 11}">'.encode())
            for r in range(2, N + 1, 2):
                f.write("".join(f'<mergeCell ref="{L(c)}{r}:{L(c)}{r + 1}"/>' for c in range(1, 12)).encode())
            f.write(b"</mergeCells>")
        f.write(b"</worksheet>")
