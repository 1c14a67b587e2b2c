from django import forms
from django.utils.translation import gettext_lazy as _


class PayForm(forms.Form):
    year = forms.IntegerField(widget=forms.HiddenInput)
    through_month = forms.TypedChoiceField(label=_("缴费至"), coerce=int, choices=())
    extra_amount = forms.DecimalField(
        label=_("自愿多交（元）"), min_value=0, max_digits=8, decimal_places=2, required=False, initial="0.00"
    )

    def __init__(self, *args, min_through: int, max_through: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["through_month"].choices = [
            (m, _("%(m)s月") % {"m": m}) for m in range(min_through, max_through + 1)
        ]
        self.fields["through_month"].initial = min_through
        self.fields["extra_amount"].widget.attrs.update({"inputmode": "decimal", "step": "0.01"})
