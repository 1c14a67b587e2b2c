from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Union


class CaseStepForm(forms.Form):
    comment = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CaseEstablishForm(CaseStepForm):
    union = forms.ModelChoiceField(
        label=_("新成立的工会"), queryset=Union.objects.filter(accepts_members=True, is_reservoir=False)
    )
