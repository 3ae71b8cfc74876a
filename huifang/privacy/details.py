"""An access-log entry's details as people read them, on the screen and in the XLSX export alike."""

from urllib.parse import parse_qsl

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from huifang.core.change_labels import key_label, value_text

from .choices import LOGGED_ACTIONS

# The access log's own filters, logged with its export as a query string ("actor=7&action=export").
FILTER_LABELS = {
    "store": gettext_lazy("Store"),
    "actor": gettext_lazy("Who"),
    "action": gettext_lazy("Action"),
    "since": gettext_lazy("From"),
    "until": gettext_lazy("Until"),
}


def filters_text(query: str) -> str:
    """The filters of an exported log: "操作人 #7, 操作 导出"; an export of the whole log reads "全部"."""
    pairs = [(k, v) for k, v in parse_qsl(query) if v and k != "page"]
    if not pairs:
        return _("All")
    return ", ".join(f"{FILTER_LABELS.get(k, k)} {_filter_value(k, v)}" for k, v in pairs)


def _filter_value(key: str, value: str) -> str:
    if key == "action":
        return str(LOGGED_ACTIONS.get(value, value))
    return f"#{value}" if key in ("store", "actor") else value  # the record's number, as the filter held it


def details_text(changes) -> str:
    """ "号码字段: 手机", not "field: mobile"; the log's own export lists its filters."""
    if not isinstance(changes, dict):
        return ""
    return "; ".join(
        f"{key_label(k)}: {filters_text(v) if k == 'access_log' else value_text(v)}" for k, v in changes.items()
    )
