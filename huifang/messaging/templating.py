"""Message templates: {placeholders} checked when a template is saved and filled with str.format_map."""

from collections.abc import Iterable, Mapping
from string import Formatter

from . import defaults


class TemplateError(ValueError):
    """A template that names an unknown placeholder, or a message whose context lacks a value."""


def placeholders(text: str) -> set[str]:
    """The placeholder names a template text uses; raises TemplateError on broken braces or {a.b} / {a[0]}."""
    try:
        fields = [field for _literal, field, _spec, _conv in Formatter().parse(text or "") if field is not None]
    except ValueError as exc:
        raise TemplateError(f"模板括号不匹配 / unbalanced braces in template: {exc}") from exc
    names = set()
    for field in fields:
        if not field.isidentifier():
            raise TemplateError(f"占位符只能是名称 / a placeholder must be a plain name: {{{field}}}")
        names.add(field)
    return names


def validate_template(*texts: str, allowed: Iterable[str] = defaults.PLACEHOLDERS) -> None:
    """Raise TemplateError naming every placeholder not in `allowed` (checked when a template is saved)."""
    allowed = set(allowed)
    unknown = sorted(set().union(*(placeholders(text) for text in texts)) - allowed)
    if unknown:
        names = ", ".join("{" + name + "}" for name in unknown)
        raise TemplateError(
            f"未知占位符 / unknown placeholder(s): {names}. "
            f"可用 / allowed: {', '.join('{' + a + '}' for a in sorted(allowed))}"
        )


class _StrictContext(dict):
    def __missing__(self, key: str) -> str:
        raise TemplateError(f"缺少占位符的值 / no value given for placeholder {{{key}}}")


def render(text: str, context: Mapping[str, object]) -> str:
    """Fill the placeholders; a placeholder with no value in `context` raises TemplateError naming it."""
    placeholders(text)  # refuse attribute or index lookups before formatting
    safe = _StrictContext({key: "" if value is None else str(value) for key, value in context.items()})
    return (text or "").format_map(safe)
