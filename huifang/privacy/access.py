"""One call for any export view to appear in the access log (issue 8 §7)."""

from huifang.accounts.models import Store
from huifang.audit.choices import AuditAction
from huifang.audit.services import audit_entry
from huifang.core import clock


def export_logged(request, *, obj, what: str, source: str = "web"):
    """Record that the user exported `what` of `obj` (a store, a batch, a complaint...)."""
    entry = audit_entry(
        obj=obj, action=AuditAction.EXPORT, at=clock.now(), actor=request.user, source=source, changes={"export": what}
    )
    if isinstance(obj, Store):
        entry.store = obj  # a store has no store_id of its own; the access log is filtered by this column
    entry.save()
    return entry
