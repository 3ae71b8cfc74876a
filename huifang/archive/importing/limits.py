"""Limits of one DMS import (issue 16 §1), read from the store's ImportPolicy with the defaults of archive.defaults.

The reader checks them while streaming: the unpacked size before opening an XLSX, rows, columns and cell
length as rows arrive. Crossing one raises LimitExceeded naming the limit; the import then writes nothing.
"""

from dataclasses import dataclass

from .. import defaults


class LimitExceeded(ValueError):
    """The file crosses one of the store's import limits; the message names the limit and its setting."""


@dataclass(frozen=True)
class ImportLimits:
    max_unpacked_bytes: int = defaults.IMPORT_MAX_UNPACKED_MB * 1024 * 1024
    max_compression_ratio: int = defaults.IMPORT_MAX_COMPRESSION_RATIO
    max_rows: int = defaults.IMPORT_MAX_ROWS
    max_columns: int = defaults.IMPORT_MAX_COLUMNS
    max_cell_chars: int = defaults.IMPORT_MAX_CELL_CHARS

    def too_big(self, size: int) -> LimitExceeded:
        mb = self.max_unpacked_bytes / (1024 * 1024)
        return LimitExceeded(
            f"文件解压后 {size / (1024 * 1024):.1f} MB,超过上限 {mb:g} MB(导入设置“最大解压大小”) / "
            f"the file unpacks to {size / (1024 * 1024):.1f} MB, over the limit of {mb:g} MB "
            f"(import setting 'max unpacked size')"
        )

    def too_packed(self, name: str, ratio: float) -> LimitExceeded:
        return LimitExceeded(
            f"压缩包成员 {name} 的压缩比 {ratio:.0f}:1 超过上限 {self.max_compression_ratio}:1(疑似压缩炸弹) / "
            f"member {name} unpacks {ratio:.0f} times its size, over the limit of {self.max_compression_ratio} "
            f"(import setting 'max compression ratio'; a zip bomb)"
        )

    def too_many_rows(self) -> LimitExceeded:
        return LimitExceeded(
            f"行数超过上限 {self.max_rows:,} 行(导入设置“最多行数”),未导入任何数据 / "
            f"more than {self.max_rows:,} rows (import setting 'max rows'); nothing was imported"
        )

    def too_many_columns(self, row: int, count: int) -> LimitExceeded:
        return LimitExceeded(
            f"第 {row} 行有 {count} 列,超过上限 {self.max_columns} 列(导入设置“最多列数”) / "
            f"row {row} has {count} columns, over the limit of {self.max_columns} (import setting 'max columns')"
        )

    def cell_too_long(self, row: int | None = None) -> LimitExceeded:
        where_zh = f"第 {row} 行" if row else "文件中"
        where_en = f"row {row}" if row else "the file"
        return LimitExceeded(
            f"{where_zh}有单元格超过 {self.max_cell_chars:,} 个字符(导入设置“单元格最大长度”) / "
            f"a cell in {where_en} is longer than {self.max_cell_chars:,} characters (import setting 'max cell length')"
        )


def limits_for(*, store) -> ImportLimits:
    """The store's import limits (its ImportPolicy row, else the defaults)."""
    from ..models import ImportPolicy

    policy = ImportPolicy.objects.filter(store=store).first()
    if policy is None:
        return ImportLimits()
    return ImportLimits(
        max_unpacked_bytes=policy.max_unpacked_mb * 1024 * 1024,
        max_compression_ratio=policy.max_compression_ratio,
        max_rows=policy.max_rows,
        max_columns=policy.max_columns,
        max_cell_chars=policy.max_cell_chars,
    )
