from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.forms import UNION_CHOICES_SHOWN
from members.models import DuesMode, Union


class TransferForm(forms.Form):
    union = forms.ModelChoiceField(
        label=_("转入的工会"),
        queryset=Union.objects.filter(accepts_members=True, dissolved_on__isnull=True),
        required=False,
        widget=forms.RadioSelect,
        blank=True,
        empty_label=_("不清楚新单位的工会（由市总工会分派）"),
    )
    unit_name = forms.CharField(label=_("新工作单位"), max_length=200)
    reason = forms.CharField(
        label=_("转会原因"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    secondment_until = forms.DateField(
        label=_("借调期满日期（借调六个月以上的填写）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, search: str = "", exclude_union_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["union"]
        base = field.queryset.exclude(pk=exclude_union_id) if exclude_union_id else field.queryset
        shown = base.filter(Q(name__icontains=search) | Q(code__iexact=search)) if search else base
        ids = list(shown.order_by("path").values_list("pk", flat=True)[:UNION_CHOICES_SHOWN])
        chosen = self.data.get("union")
        if chosen and str(chosen).isdigit():
            ids.append(int(chosen))
        field.queryset = base.filter(pk__in=ids).order_by("path")


class TransferApproveForm(forms.Form):
    dues_mode = forms.ChoiceField(
        label=_("缴费方式（不变则留空）"), required=False, choices=[("", "—")] + list(DuesMode.choices)
    )
    comment = forms.CharField(
        label=_("审批意见"), required=False, initial=_("同意转入"), widget=forms.Textarea(attrs={"rows": 2})
    )
