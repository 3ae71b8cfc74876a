"""Template filters for archive screens: phones masked by default, figures rounded for reading."""

from django import template
from django.core.exceptions import FieldDoesNotExist

from huifang.core.change_labels import key_label, value_text
from huifang.core.masking import mask_id_number
from huifang.core.phones import display_phone, mask_phone

register = template.Library()


@register.filter
def masked(e164: str) -> str:
    """138****5678: lists and pages show every number masked until a caller reveals it."""
    return mask_phone(e164 or "")


@register.filter
def phone(e164: str) -> str:
    return display_phone(e164 or "")


def _field_label(key: str) -> str:
    """The field's verbose name (translated) when an archive model has it, else the key."""
    from huifang.archive.models import Customer, RepairOrder, Vehicle

    for model in (Customer, Vehicle, RepairOrder):
        try:
            return str(model._meta.get_field(key).verbose_name)
        except FieldDoesNotExist:
            continue
    return key_label(key)


@register.filter
def field_label(key: str) -> str:
    """A field's name as people read it (手机, not mobile), e.g. in an import's rejected rows."""
    return _field_label(key) if key else ""


_PHONE_KEYS = {"mobile", "home_phone", "office_phone", "phone"}


@register.filter
def change_rows(changes) -> list[dict]:
    """An audit entry's changes as rows (field, old, new); phone values stay masked on screen."""
    if not isinstance(changes, dict):
        return []
    rows = []
    for key, value in changes.items():
        if key == "field" and isinstance(value, str):
            # A reveal names the phone field that was shown.
            rows.append({"field": _field_label(value), "old": None, "new": None, "is_pair": False})
            continue
        is_pair = isinstance(value, list | tuple) and len(value) == 2
        old, new = (value[0], value[1]) if is_pair else (None, value)
        if not is_pair and isinstance(new, str | dict) and key not in _PHONE_KEYS:
            new = value_text(new)  # an export names what was exported: "通话录音", not "recording"
        if key in _PHONE_KEYS:
            old, new = (mask_phone(str(old)) if old else old), (mask_phone(str(new)) if new else new)
        elif key == "id_number":
            old, new = (mask_id_number(str(old)) if old else old), (mask_id_number(str(new)) if new else new)
        rows.append({"field": _field_label(key), "old": old, "new": new, "is_pair": is_pair})
    return rows


@register.filter
def sum_list(values) -> int:
    return sum(values or [])


@register.filter
def distinct_models(vehicles) -> str:
    """The models of a customer's (prefetched) vehicles, each once, in order."""
    return "、".join(dict.fromkeys(v.model for v in vehicles if v.model)) or "—"
