from django import template

from huifang.accounts.selectors import has_role

from ..details import details_text
from ..selectors import PRIVACY_ROLES

register = template.Library()


@register.filter
def label_for(labels: dict, key: str) -> str:
    return labels.get(key, key)


@register.filter
def changes_text(changes) -> str:
    """An access-log entry's details in the reader's language: "号码字段: 手机", not "field: mobile"."""
    return details_text(changes)


@register.filter
def may_use_data_rights(customer, user) -> bool:
    """Whether the customer page shows the data-rights button (care director or admin of its store)."""
    return bool(user.is_authenticated and has_role(user=user, store=customer.store, roles=PRIVACY_ROLES))


@register.filter
def cell(row: dict, attname: str):
    """One value of an exported row as people read it (choice labels, JSON as text)."""
    from ..export import readable

    return readable(row.get(attname))
