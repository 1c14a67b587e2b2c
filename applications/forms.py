from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from applications.models import STATEMENT
from casework.forms import UNION_CHOICES_SHOWN
from members.models import DuesMode, EmploymentType, Union


class JoinForm(forms.Form):
    """The apply page: a union picked from a search (or none: the city dispatches), and the applicant's facts."""

    union = forms.ModelChoiceField(
        label=_("申请加入的工会"),
        queryset=Union.objects.filter(accepts_members=True, dissolved_on__isnull=True),
        required=False,
        widget=forms.RadioSelect,
        blank=True,
        empty_label=_("不清楚所属工会 / 单位尚未建会（由市总工会分派）"),
    )
    unit_name = forms.CharField(label=_("工作单位"), max_length=200)
    employment_type = forms.ChoiceField(label=_("就业状况"), choices=EmploymentType.choices)
    hire_date = forms.DateField(
        label=_("入职日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    statement = forms.CharField(
        label=_("入会申请"), initial=STATEMENT, widget=forms.Textarea(attrs={"rows": 4})
    )
    proof = forms.FileField(
        label=_("委托入会证明（劳务派遣人员必传）"),
        required=False,
        help_text=_("加盖用工单位公章的证明，PDF、JPG 或 PNG，不超过 5 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )
    wants_card = forms.BooleanField(label=_("申领工会会员卡"), required=False)
    declared_retired = forms.BooleanField(label=_("本人已退休"), required=False)
    legal_representative = forms.BooleanField(label=_("本人是单位法定代表人或合伙人"), required=False)

    def __init__(self, *args, search: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["union"]
        shown = field.queryset
        if search:
            shown = shown.filter(Q(name__icontains=search) | Q(code__iexact=search))
        ids = list(shown.order_by("path").values_list("pk", flat=True)[:UNION_CHOICES_SHOWN])
        chosen = self.data.get("union") or self.initial.get("union")
        if chosen and str(chosen).isdigit():
            ids.append(int(chosen))
        field.queryset = field.queryset.filter(pk__in=ids).order_by("path")


class ApproveForm(forms.Form):
    dues_mode = forms.ChoiceField(label=_("缴费方式"), choices=DuesMode.choices)
    comment = forms.CharField(
        label=_("审批意见"), required=False, initial=_("同意入会"), widget=forms.Textarea(attrs={"rows": 2})
    )
    id_card_checked = forms.BooleanField(
        label=_("已核对申请人的身份证原件"),
        required=False,
        help_text=_(
            "申请人的身份尚未核验（未经手机验证码、微信、统一身份认证或工作人员核验），须核对身份证后勾选。"
        ),
    )
