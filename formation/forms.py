from django import forms
from django.utils.translation import gettext_lazy as _

from formation.models import DissolutionReason, FoundingDocumentKind
from members.models import Union


class CaseStepForm(forms.Form):
    comment = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CaseEstablishForm(CaseStepForm):
    union = forms.ModelChoiceField(
        label=_("新成立的工会"), queryset=Union.objects.filter(accepts_members=True, is_reservoir=False)
    )


GENDER_WORDS = {"男": "M", "女": "F", "M": "M", "F": "F", "m": "M", "f": "F"}


def _lines(text: str):
    for line in (text or "").splitlines():
        parts = [p.strip() for p in line.replace("，", ",").replace("\t", ",").split(",")]
        if any(parts):
            yield parts


def parse_people(text: str) -> list[dict]:
    """筹备组成员: one per line, "姓名,职务"."""
    return [{"name": p[0], "position": p[1] if len(p) > 1 else ""} for p in _lines(text)]


def parse_committee(text: str) -> list[dict]:
    """One member per line, "姓名,性别,职务" (性别 男/女)."""
    rows = []
    for parts in _lines(text):
        if len(parts) < 2 or parts[1] not in GENDER_WORDS:
            raise forms.ValidationError(_("每行填写“姓名,性别,职务”，性别为男或女。"))
        rows.append(
            {
                "name": parts[0],
                "gender": GENDER_WORDS[parts[1]],
                "position": parts[2] if len(parts) > 2 else "",
            }
        )
    return rows


class CommitteesForm(forms.Form):
    """Three committee lists typed one member a line; cleaned into {committees_field: {union, audit, women}}."""

    committees_field = "committees"
    union_list = forms.CharField(
        label=_("工会委员会（每行：姓名,性别,职务）"), widget=forms.Textarea(attrs={"rows": 4})
    )
    audit_list = forms.CharField(label=_("经费审查委员会"), widget=forms.Textarea(attrs={"rows": 3}))
    women_list = forms.CharField(
        label=_("女职工委员会（有女会员时必填）"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        data = super().clean()
        lists = {}
        for key in ("union", "audit", "women"):
            value = data.pop(f"{key}_list", "")
            try:
                lists[key] = parse_committee(value)
            except forms.ValidationError as exc:
                self.add_error(f"{key}_list", exc)
        data[self.committees_field] = lists
        return data


class FoundingOpenForm(forms.Form):
    parent = forms.ModelChoiceField(
        label=_("上级工会（审批）"), queryset=Union.objects.filter(dissolved_on__isnull=True)
    )
    employer_name = forms.CharField(label=_("单位名称"), max_length=200)
    union_name = forms.CharField(label=_("拟成立工会名称"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("筹备组联系人"), max_length=50)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=40)
    group_members = forms.CharField(
        label=_("筹备组成员（每行：姓名,职务）"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean_group_members(self):
        return parse_people(self.cleaned_data["group_members"])


class FoundingFromCaseForm(FoundingOpenForm):
    parent = None
    employer_name = None


class FoundingApplyForm(CaseStepForm):
    member_count = forms.IntegerField(label=_("已发展会员人数"), min_value=1)
    has_women_members = forms.BooleanField(label=_("有女会员"), required=False)


class FoundingCongressForm(CommitteesForm):
    committees_field = "candidates"
    congress_on = forms.DateField(label=_("大会日期"), widget=forms.DateInput(attrs={"type": "date"}))
    election_form = forms.ChoiceField(
        label=_("选举形式"), choices=[("direct", _("直接选举")), ("indirect", _("间接选举"))]
    )
    comment = forms.CharField(label=_("说明"), required=False)


class FoundingElectionForm(CommitteesForm):
    committees_field = "elected"
    comment = forms.CharField(label=_("说明"), required=False)


class FoundingApproveForm(CaseStepForm):
    code = forms.CharField(label=_("工会代码（留空自动生成）"), max_length=40, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class FoundingScanForm(forms.Form):
    kind = forms.ChoiceField(label=_("文件"), choices=FoundingDocumentKind.choices)
    scan = forms.FileField(label=_("签章扫描件（PDF、JPG 或 PNG）"))


class TermRenewalSubmitForm(CommitteesForm):
    union = forms.ModelChoiceField(label=_("工会"), queryset=Union.objects.filter(dissolved_on__isnull=True))
    elected_on = forms.DateField(label=_("选举日期"), widget=forms.DateInput(attrs={"type": "date"}))
    election_form = forms.ChoiceField(
        label=_("选举形式"), choices=[("direct", _("直接选举")), ("indirect", _("间接选举"))]
    )


class DissolutionRequestForm(forms.Form):
    union = forms.ModelChoiceField(
        label=_("撤销的工会"), queryset=Union.objects.filter(dissolved_on__isnull=True)
    )
    reason = forms.ChoiceField(label=_("撤销原因"), choices=DissolutionReason.choices)
    note = forms.CharField(label=_("说明"), required=False, max_length=500)


class DissolutionApproveForm(CaseStepForm):
    target = forms.ModelChoiceField(
        label=_("会员转入的工会（留空转入县区职工服务中心工会）"),
        queryset=Union.objects.filter(accepts_members=True, dissolved_on__isnull=True),
        required=False,
    )
