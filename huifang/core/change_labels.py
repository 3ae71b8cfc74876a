"""How the audit trail's and access log's detail keys and values read on screen. Entries keep the code's
names ("field": "mobile", "export": "recording"); the screens show "号码字段: 手机", "内容: 通话录音"."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# What the access log's detail keys and values are called on screen (the entries keep the code's names).
CHANGE_LABELS = {
    "field": gettext_lazy("phone field"),
    "contact": gettext_lazy("contact"),
    "export": gettext_lazy("what"),
    "access_log": gettext_lazy("access log filters"),
    "data_rights_export": gettext_lazy("data rights export"),
    "letters": gettext_lazy("letters"),
    "monthly_report": gettext_lazy("monthly report"),
    "report": gettext_lazy("report"),
    "year": gettext_lazy("year"),
    "pdf": "PDF",
    "reason": gettext_lazy("reason"),
    "customers": gettext_lazy("customers"),
    "rows": gettext_lazy("records changed"),
    "customer_id": gettext_lazy("customer"),
    "reminders_due": gettext_lazy("reminders due on"),
    "tasks": gettext_lazy("tasks"),
}
VALUE_LABELS = {
    "mobile": gettext_lazy("mobile"),
    "office_phone": gettext_lazy("office phone"),
    "home_phone": gettext_lazy("home phone"),
    "phone": gettext_lazy("phone"),
    "recording": gettext_lazy("call recording"),
    "import_rejections_csv": gettext_lazy("rejected import rows (CSV)"),
    "import_rejections_xlsx": gettext_lazy("rejected import rows (XLSX)"),
    "customer_statistics": gettext_lazy("customer statistics table"),
    "pdf": "PDF",
    "xlsx": "XLSX",
}


def value_text(value) -> str:
    """A logged value as people read it: known codes named, counts of an export summed."""
    if isinstance(value, dict) and all(isinstance(v, int) for v in value.values()):
        return _("%(count)d records") % {"count": sum(value.values())}
    if isinstance(value, dict):
        return ", ".join(f"{key_label(k)} {value_text(v)}" for k, v in value.items())
    text = str(value)
    if text.startswith("attachment "):
        return f"{_('attachment')} {text.removeprefix('attachment ')}"
    return str(VALUE_LABELS.get(text, text))


def key_label(key: str) -> str:
    return str(CHANGE_LABELS.get(key, key))
