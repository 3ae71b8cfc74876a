from django import forms

from .models import SurveyPolicy
from .services import POLICY_FIELDS


class SurveyPolicyForm(forms.ModelForm):
    class Meta:
        model = SurveyPolicy
        fields = POLICY_FIELDS
