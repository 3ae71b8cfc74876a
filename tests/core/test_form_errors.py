"""core.form_errors.form_add_validation_errors: a service's ValidationError lands where the user sees it."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from huifang.core.form_errors import form_add_validation_errors


class PolicyForm(forms.Form):
    window_hours = forms.IntegerField()
    note = forms.CharField(required=False)


class SegmentForm(forms.Form):
    spend_min = forms.DecimalField(required=False)


def bound(form_class) -> forms.Form:
    form = form_class(data={"window_hours": "72", "note": "", "spend_min": ""})
    assert form.is_valid()
    return form


def test_each_error_goes_on_its_field():
    # given a valid form and a service that refused two of its values
    form = bound(PolicyForm)
    exc = ValidationError({"window_hours": "Too long.", "note": ["Too short.", "Not Chinese."]})
    # when the errors are copied onto the form
    form_add_validation_errors(form, exc)
    # then each field shows its own messages and the form is invalid
    assert form.errors == {"window_hours": ["Too long."], "note": ["Too short.", "Not Chinese."]}
    assert not form.is_valid()


def test_an_error_for_no_field_of_the_form_is_a_form_error():
    form = bound(PolicyForm)
    form_add_validation_errors(form, ValidationError({"quiet_hours": "Overlaps.", "note": "Empty."}))
    assert form.errors == {NON_FIELD_ERRORS: ["Overlaps."], "note": ["Empty."]}


def test_an_error_without_field_names_is_a_form_error():
    form = bound(PolicyForm)
    form_add_validation_errors(form, ValidationError(["First.", "Second."]))
    assert form.errors == {NON_FIELD_ERRORS: ["First.", "Second."]}
    assert "window_hours" in form.cleaned_data  # the fields' own values are kept


def test_an_error_goes_to_the_other_form_holding_the_field():
    # given a page with the rule's form and its segment form
    form, segment = bound(PolicyForm), bound(SegmentForm)
    # when the service refuses a segment bound and a rule value
    exc = ValidationError({"spend_min": "Not negative.", "window_hours": "Too long.", "segment": "Unknown."})
    form_add_validation_errors(form, exc, segment)
    # then each message is on the form that shows the field; an unknown name is the main form's error
    assert segment.errors == {"spend_min": ["Not negative."]}
    assert form.errors == {"window_hours": ["Too long."], NON_FIELD_ERRORS: ["Unknown."]}
