"""The roster layout (花名册, Changxing seed annex 3) shared by the import, its template and the export.

Enumerations are written in Chinese labels; each maps to the code stored on Person or Membership. Besides the
labels of the model choices, a few spellings found in unions' own lists are accepted.
"""

import datetime as dt

from members.models import DuesMode, Education, EmploymentType, Gender, HouseholdType

# The eleven columns of the roster (SPEC §6), then three optional ones the import also understands.
ROSTER_HEADERS = [
    "序号",
    "姓名",
    "性别",
    "身份证号码",
    "国籍",
    "学历",
    "手机号码",
    "户籍类型",
    "所属单位",
    "就业状况",
    "担任工会职务",
]
OPTIONAL_HEADERS = ["入职日期", "入会日期", "缴费方式"]
# The export adds the state of each membership; the import ignores it.
EXPORT_EXTRA_HEADERS = ["会籍状态"]
TEMPLATE_HEADERS = ROSTER_HEADERS + OPTIONAL_HEADERS

SUMMARY_HEADERS = [
    "序号",
    "单位名称",
    "统一社会信用代码",
    "单位性质",
    "单位地址",
    "职工人数",
    "工会名称",
    "建会时间",
    "工会类型",
    "会员人数",
    "工会负责人",
    "联系电话",
    "备注",
]


def _labels(choices) -> dict[str, str]:
    return {str(label): value for value, label in choices.choices}


GENDERS = _labels(Gender)
EDUCATIONS = {
    **_labels(Education),
    "研究生及以上": "postgraduate",
    "博士": "postgraduate",
    "硕士": "postgraduate",
    "本科": "bachelor",
    "大专": "college",
    "专科": "college",
    "中专": "secondary",
    "高中": "secondary",
    "技校": "secondary",
    "初中": "junior",
    "小学": "junior",
}
HOUSEHOLD_TYPES = {
    **_labels(HouseholdType),
    "非农业": "urban",
    "非农业户口": "urban",
    "城镇户口": "urban",
    "农业": "rural",
    "农业户口": "rural",
    "农村户口": "rural",
}
EMPLOYMENT_TYPES = {
    **_labels(EmploymentType),
    "在编": "staff",
    "合同": "staff",
    "合同制": "staff",
    "在岗": "staff",
    "派遣": "dispatched",
}
DUES_MODES = {**_labels(DuesMode), "经费由分工会统一缴纳": "unit_paid", "单位缴纳": "unit_paid"}

GENDER_LABELS = {v: k for k, v in _labels(Gender).items()}
EDUCATION_LABELS = {v: k for k, v in _labels(Education).items()}
HOUSEHOLD_LABELS = {v: k for k, v in _labels(HouseholdType).items()}
EMPLOYMENT_LABELS = {v: k for k, v in _labels(EmploymentType).items()}
DUES_MODE_LABELS = {v: k for k, v in _labels(DuesMode).items()}


def reference_lists() -> dict[str, list[str]]:
    """What the template's second sheet lists as allowed values (the labels the export writes)."""
    return {
        "性别": list(GENDER_LABELS.values()),
        "学历": list(EDUCATION_LABELS.values()),
        "户籍类型": list(HOUSEHOLD_LABELS.values()),
        "就业状况": list(EMPLOYMENT_LABELS.values()),
        "缴费方式": list(DUES_MODE_LABELS.values()),
    }


def format_date(value: dt.date | None) -> str:
    return value.isoformat() if value else ""
