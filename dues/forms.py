from django import forms
from django.utils.translation import gettext_lazy as _

from dues.services.payments import parse_extra_amount
from unionhub.lib import months
from unionhub.lib.errors import BusinessError

# BusinessError codes of dues_payment_create and the form field each one concerns: the page shows the same
# message as the API, beside the field it is about.
ERROR_FIELDS = {
    "beyond_window": "through_month",
    "below_minimum": "through_month",
    "invalid_extra": "extra_amount",
}


class PayForm(forms.Form):
    year = forms.IntegerField(widget=forms.HiddenInput)
    # The choices guide the member; the service decides (a tampered month gets the API's own message).
    through_month = forms.IntegerField(label=_("缴费至"), widget=forms.Select)
    extra_amount = forms.CharField(label=_("自愿多交（元）"), required=False, initial="0.00", max_length=20)

    def __init__(self, *args, min_through: int, max_through: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["through_month"].widget.choices = [
            (m, months.month_name(m)) for m in range(min_through, max_through + 1)
        ]
        self.fields["through_month"].initial = min_through
        self.fields["extra_amount"].widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def clean_extra_amount(self):
        try:
            return parse_extra_amount(self.cleaned_data.get("extra_amount"))
        except BusinessError as exc:
            raise forms.ValidationError(exc.detail, code=exc.code) from exc

    def add_business_error(self, exc: BusinessError) -> None:
        self.add_error(ERROR_FIELDS.get(exc.code), exc.detail)
