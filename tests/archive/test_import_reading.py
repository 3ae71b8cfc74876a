"""The CSV line decoder: decoding a block of whole lines at once gives what decoding each line gives."""

import codecs
import io

import pytest

from huifang.archive.importing.limits import ImportLimits, LimitExceeded
from huifang.archive.importing.reading import _LineDecoder


def _line_by_line(data: bytes) -> tuple[list[str], set[str]]:
    """The rule, one line at a time: UTF-8, else GB18030, else UTF-8 with U+FFFD; NULs dropped."""
    lines, used = [], set()
    for number, raw in enumerate(io.BytesIO(data)):
        if number == 0 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        for codec, label in (("utf-8", "UTF-8"), ("gb18030", "GB18030")):
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError:
                continue
            if not raw.isascii():
                used.add(label)
            break
        else:
            used.add("?")
            text = raw.decode("utf-8", errors="replace")
        lines.append(text.replace("\x00", ""))
    return lines, used


def _decoded(data: bytes, block_bytes: int, max_line_bytes: int = 10_000) -> tuple[list[str], set[str]]:
    decoder = _LineDecoder(
        io.BytesIO(data), max_line_bytes=max_line_bytes, limits=ImportLimits(), block_bytes=block_bytes
    )
    return list(decoder), decoder.codecs_used


SAMPLES = {
    "utf-8 with BOM, CRLF, no final newline": codecs.BOM_UTF8 + "工单号,客户\r\nRO1,张三\r\nRO2,李四".encode(),
    "ascii only": b"a,b\nc,d\n",
    "utf-8 and gb18030 lines mixed": "客户,电话\n张三,1\n".encode()
    + "李四,2\n".encode("gb18030")
    + "王五,3\n".encode(),
    "bytes neither can read": "名字\n".encode() + b"\xff\xfe\xfa,1\n" + "𠮷,2\n".encode("gb18030"),
    "NUL characters and a quoted cell over two lines": b'a\x00,"line one\nline two"\nb,c\n',
    "only a BOM": codecs.BOM_UTF8,
    "empty": b"",
    "blank lines": b"\n\n\na\n\n",
}


@pytest.mark.parametrize("block_bytes", [1, 3, 7, 64, 256 * 1024])
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_blocks_decode_to_the_lines_and_labels_of_the_per_line_rule(name, block_bytes):
    data = SAMPLES[name]
    assert _decoded(data, block_bytes) == _line_by_line(data)


@pytest.mark.parametrize("block_bytes", [4, 1024])
def test_a_line_over_the_limit_stops_the_file_after_the_lines_before_it(block_bytes):
    data = b"a,b\nc,d\n" + b"x" * 50 + b"\ne,f\n"
    decoder = _LineDecoder(io.BytesIO(data), max_line_bytes=20, limits=ImportLimits(), block_bytes=block_bytes)
    seen = []
    with pytest.raises(LimitExceeded):
        for line in decoder:
            seen.append(line)  # noqa: PERF402 - the lines before the exception
    assert seen == ["a,b\n", "c,d\n"]
