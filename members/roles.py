"""Staff roles: named permission sets, kept as groups.

This module is the one source of truth. The data migration `0005_staff_roles` and every `post_migrate` call
`roles_sync`, which makes each role's group hold exactly the permissions listed here (no more, no less). A staff
account's powers are the roles it is given (its groups); nobody but a superuser grants raw permissions.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"


def _perms(app: str, model: str, *actions: str) -> list[str]:
    return [f"{app}.{action}_{model}" for action in actions]


@dataclass(frozen=True)
class Role:
    key: str
    name: str  # the group's name (Chinese, as staff see it)
    description: str
    permissions: tuple[str, ...]
    grantable: bool = True  # chosen from the role list (工会管理员 follows the is_union_admin flag instead)


# Every staff role reads the union tree, people (masked) and memberships of its scope.
_READ = (
    *_perms("members", "union", VIEW),
    *_perms("members", "employerunit", VIEW),
    *_perms("members", "person", VIEW),
    *_perms("members", "membership", VIEW),
    *_perms("members", "membershipevent", VIEW),
    *_perms("members", "retentionperiod", VIEW),
    *_perms("members", "committeemember", VIEW),
)

APPROVER = Role(
    "approver",
    "审批员",
    _(
        "审批入会、转会申请和身份证号码认领，办理会籍变动（保留、恢复、退会、开除、迁出）、督促建会、建会、换届和撤销。"
    ),
    (
        *_READ,
        *_perms("applications", "joinapplication", VIEW, CHANGE),
        *_perms("casework", "transitionrecord", VIEW),
        *_perms("casework", "workdayoverride", VIEW),
        *_perms("transfers", "transferapplication", VIEW, CHANGE),
        *_perms("formation", "unionformationcase", VIEW, CHANGE),
        *_perms("formation", "founding", VIEW, ADD, CHANGE),
        *_perms("formation", "foundingdocument", VIEW),
        *_perms("formation", "termrenewal", VIEW, ADD, CHANGE),
        *_perms("formation", "dissolution", VIEW, ADD, CHANGE),
        *_perms("members", "membership", CHANGE),
        *_perms("security", "identityclaim", VIEW, CHANGE),
        *_perms("security", "identityclaimstep", VIEW),
    ),
)
FINANCE = Role(
    "finance",
    "财务",
    _("会费：缴费订单、收据、已缴月份、工资代扣导入、单位统一缴纳、欠费和待退款订单。"),
    (
        *_READ,
        *_perms("dues", "duesrate", VIEW),
        *_perms("dues", "paymentnotification", VIEW),
        *_perms("dues", "paymentorder", VIEW, ADD, CHANGE),
        *_perms("dues", "refundpendingorder", VIEW, CHANGE),
        *_perms("dues", "paidmonth", VIEW, ADD),
        *_perms("dues", "arrearsentry", VIEW),
    ),
)
DATA_MANAGER = Role(
    "data_manager",
    "资料管理员",
    _("会员资料的录入、修改、批量导入和名册导出（号码为脱敏形式），半年度数据核查。"),
    (
        *_READ,
        *_perms("members", "person", ADD, CHANGE),
        *_perms("members", "membership", ADD),
        *_perms("members", "profilechange", VIEW),
        *_perms("datawork", "importjob", VIEW, ADD),
        *_perms("datawork", "unionreview", VIEW),
        *_perms("datawork", "statisticspage", VIEW),
    ),
)
UNION_ADMIN = Role(
    "union_admin",
    "工会管理员",
    _("管理本工会的资料（工会信息、委员会、单位）和下级工会的工作人员账号（角色、启用、重置密码）。"),
    (
        *_READ,
        *_perms("members", "union", ADD, CHANGE),
        *_perms("members", "committeemember", ADD, CHANGE, DELETE),
        *_perms("members", "employerunit", ADD, CHANGE),
        *_perms("members", "user", VIEW, ADD, CHANGE),
        *_perms("datawork", "unionreview", VIEW),
        *_perms("datawork", "statisticspage", VIEW),
    ),
    grantable=False,
)
REVEAL = Role(
    "reveal",
    "查看明文",
    _("查看完整身份证号码和手机号码、导出含明文号码的名册（每次都记录审计）。"),
    ("members.reveal_person",),
)

ROLES: tuple[Role, ...] = (APPROVER, FINANCE, DATA_MANAGER, UNION_ADMIN, REVEAL)
BY_KEY = {role.key: role for role in ROLES}
GRANTABLE = tuple(role for role in ROLES if role.grantable)


def role_choices():
    return [(role.key, role.name) for role in GRANTABLE]


def roles_sync(apps=None, *, verbosity: int = 0) -> None:
    """Create or update the role groups so each holds exactly its permissions. Idempotent."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role in ROLES:
        wanted = set(role.permissions)
        found = {
            f"{p.content_type.app_label}.{p.codename}": p
            for p in Permission.objects.select_related("content_type").filter(
                codename__in=[name.split(".", 1)[1] for name in wanted]
            )
            if f"{p.content_type.app_label}.{p.codename}" in wanted
        }
        group, _created = Group.objects.get_or_create(name=role.name)
        group.permissions.set(found.values())
        if verbosity and (missing := wanted - set(found)):
            print(f"role {role.key}: permissions not (yet) present: {sorted(missing)}")


def role_groups(keys):
    from django.contrib.auth.models import Group

    return list(Group.objects.filter(name__in=[BY_KEY[k].name for k in keys]))


def user_role_keys(user) -> list[str]:
    names = set(user.groups.values_list("name", flat=True))
    return [role.key for role in ROLES if role.name in names]


def post_migrate_sync(sender, apps=None, verbosity=0, **kwargs) -> None:
    """Keep the groups in step after every migrate (new permissions appear only after their migration)."""
    roles_sync(apps, verbosity=0)


class HoldsRequiredPermission(BasePermission):
    """DRF permission: the view's `required_perm` (a role's permission) must be held; combine with IsUnionStaff."""

    message = _("您的角色没有办理此项工作的权限。")

    def has_permission(self, request, view):
        perm = getattr(view, "required_perm", "")
        return not perm or bool(request.user and request.user.has_perm(perm))
