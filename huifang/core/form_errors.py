"""A service's ValidationError shown on the form the user filled in."""

from django import forms
from django.core.exceptions import ValidationError


def form_add_validation_errors(form: forms.BaseForm, exc: ValidationError, *others: forms.BaseForm) -> None:
    """Put each error of `exc` on its field, in the first of `form`, `others` that has that field; an error
    naming no field of any (or a ValidationError without field names) goes to `form`'s non-field errors."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    candidates = (form, *others)
    for field, messages in exc.message_dict.items():
        target = next((f for f in candidates if field in f.fields), None)
        if target is None:
            form.add_error(None, messages)
        else:
            target.add_error(field, messages)
