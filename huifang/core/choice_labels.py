"""A field's choice label, as `get_<field>_display()` gives it, from a map kept per process.

Django's method rebuilds and hashes every choice of the field on each call (about 500 Python calls for a
task's kind, issue 18); the workbench names choices on every screen and in every audit entry of a save. The
labels stay lazy in the map, so each is translated into the language active when it is shown.
"""

from functools import cache

_CHOICES: dict = {}


def choice_label(model, field: str, value) -> str:
    """The label of `value` among `model.field`'s choices (the value itself when it is not one of them)."""
    key = (model, field)
    choices = _CHOICES.get(key)
    if choices is None:
        choices = _CHOICES[key] = dict(model._meta.get_field(field).flatchoices)
    return str(choices.get(value, value))


def display(obj, field: str) -> str:
    """`obj.get_<field>_display()`, from the kept map."""
    return choice_label(type(obj), field, getattr(obj, field))


@cache
def choice_map(choices_class) -> dict:
    """{value: label} of a choices class, kept per process (`X.choices` builds its list anew on every use); the
    labels stay lazy, translated where they are shown."""
    return dict(choices_class.choices)
