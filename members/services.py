"""Writes and rules for people, users, unions and memberships."""

import datetime as dt

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext
from django_fsm import can_proceed
from rest_framework.authtoken.models import Token

from members import roles as staff_roles
from members import selectors
from members.models import (
    DuesMode,
    MemberNumberCounter,
    Membership,
    MembershipEvent,
    MembershipStatus,
    Person,
    RetainReason,
    RetentionPeriod,
    Union,
    UnionLevel,
    User,
)
from notifications.services import notify
from unionhub.audit import audit_record
from unionhub.lib import clock, idnumber, months
from unionhub.lib import phone as phones
from unionhub.lib.errors import BusinessError, InvalidTransition, NotInScope


def person_create(*, name: str, id_number: str, phone: str = "", **fields) -> Person:
    id_number = idnumber.validate(id_number)
    phone = phones.validate(phone) if phone else ""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": gettext("请输入姓名。")}, code="name_required")
    if selectors.person_get_by_id_number(id_number):
        raise BusinessError("person_exists", gettext("该身份证号码已登记。"))
    if phone and selectors.person_get_by_phone(phone):
        raise BusinessError("phone_taken", gettext("该手机号码已被使用。"))
    person = Person(name=name, **fields)
    person.set_id_number(id_number)
    person.set_phone(phone)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:  # a concurrent registration with the same number
        raise BusinessError("person_exists", gettext("该身份证号码或手机号码已登记。")) from exc
    return person


@transaction.atomic
def member_register(*, name: str, id_number: str, phone: str, password: str) -> tuple[User, str]:
    """Self-registration of a member (real name). Returns the user and an API token key."""
    id_number = idnumber.validate(id_number)
    phone = phones.validate(phone)
    person = person_create(name=name, id_number=id_number, phone=phone)
    user = User(username=f"p{person.pk}", person=person, first_name=name)
    _password_check(password, user)
    user.set_password(password)
    user.save()
    token = Token.objects.create(user=user)
    return user, token.key


def _password_check(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}, code="password_invalid") from exc


@transaction.atomic
def member_account_create(*, person: Person, password: str | None) -> tuple[User, str]:
    """An account for a person staff entered or imported (activation) or a person given to a claimant: the
    username is derived from the person; no password (None) leaves one unusable until the owner sets it by a
    reset code. Returns the user and an API token key."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if User.objects.filter(person=person).exists():
        raise BusinessError("person_exists", gettext("该人员已有账号。"))
    user = User(username=f"p{person.pk}", person=person, first_name=person.name)
    if password is None:
        user.set_unusable_password()
    else:
        _password_check(password, user)
        user.set_password(password)
    user.save()
    token = Token.objects.create(user=user)
    return user, token.key


@transaction.atomic
def person_account_release(*, person: Person) -> User | None:
    """Take the person away from the account that holds it (an approved claim): that account is deactivated and
    kept without a person, under a username that frees the person's. Returns it (None when none held it)."""
    user = User.objects.select_for_update().filter(person=person).first()
    if user is None:
        return None
    user.person = None
    user.is_active = False
    user.username = f"released-{user.pk}-{user.username}"[:150]
    user.set_unusable_password()
    user.save(update_fields=["person", "is_active", "username", "password"])
    return user


def person_identity_set(*, person: Person, name: str, phone: str) -> Person:
    """The name on the ID card and the phone the claimant proved become the person's (an approved claim)."""
    phone = phones.validate(phone)
    other = selectors.person_get_by_phone(phone)
    if other is not None and other.pk != person.pk:
        raise BusinessError("phone_taken", gettext("该手机号码已被使用。"))
    person.name = name.strip() or person.name
    person.set_phone(phone)
    person.save(update_fields=["name", "phone", "phone_hash", "phone_masked", "updated_at"])
    return person


@transaction.atomic
def staff_create(
    *,
    actor: User,
    username: str,
    password: str,
    union: Union,
    is_union_admin: bool = False,
    roles: list[str] | tuple[str, ...] = ("approver", "finance", "data_manager"),
) -> User:
    """A union admin creates staff accounts for the unions below its own, with roles from `members.roles`."""
    if not actor.is_superuser:
        if not (actor.is_union_staff and actor.is_union_admin):
            raise BusinessError("not_union_admin", gettext("只有工会管理员可以创建下级工会账号。"))
        if not selectors.union_in_scope(actor, union):
            raise NotInScope()
        if union.pk == actor.union_id:
            raise BusinessError("not_below", gettext("只能为下级工会创建账号。"))
    if User.objects.filter(username=username).exists():
        raise BusinessError("username_taken", gettext("用户名已存在。"))
    user = User(username=username, union=union, is_staff=True, is_union_admin=is_union_admin)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}, code="password_invalid") from exc
    user.set_password(password)
    user.save()
    _roles_apply(user, roles)
    audit_record(
        actor=actor,
        action="staff_create",
        obj=user,
        union_id=union.pk,
        roles=staff_roles.user_role_keys(user),
    )
    return user


def _roles_apply(user: User, keys) -> None:
    """The user's groups become exactly the chosen grantable roles, plus 工会管理员 when the admin flag is set;
    raw permissions are dropped (only a superuser's own accounts may hold them)."""
    unknown = set(keys) - {role.key for role in staff_roles.GRANTABLE}
    if unknown:
        raise BusinessError(
            "unknown_role", gettext("未知的角色：%(roles)s") % {"roles": ", ".join(sorted(unknown))}
        )
    chosen = [*keys, *(["union_admin"] if user.is_union_admin else [])]
    user.groups.set(staff_roles.role_groups(chosen))
    user.user_permissions.clear()


def staff_account_check(*, actor: User, user: User) -> None:
    """Staff accounts are managed by union admins, for unions strictly below their own (NotInScope otherwise)."""
    if actor.is_superuser:
        return
    if not (
        actor.is_union_staff
        and actor.is_union_admin
        and user.pk != actor.pk
        and not user.is_superuser
        and selectors.union_strictly_below(actor, user.union)
    ):
        raise NotInScope()


@transaction.atomic
def staff_roles_set(
    *,
    actor: User,
    user: User,
    roles,
    union: Union | None = None,
    is_union_admin: bool | None = None,
    is_active: bool | None = None,
) -> User:
    """Change a staff account's roles, union, admin flag or active flag (union admins: accounts below them)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    staff_account_check(actor=actor, user=user)
    if union is not None and not actor.is_superuser and not selectors.union_strictly_below(actor, union):
        raise NotInScope()
    before = {
        "roles": staff_roles.user_role_keys(user),
        "union_id": user.union_id,
        "is_union_admin": user.is_union_admin,
        "is_active": user.is_active,
    }
    if union is not None:
        user.union = union
    if is_union_admin is not None:
        user.is_union_admin = is_union_admin
    if is_active is not None:
        user.is_active = is_active
    if not actor.is_superuser:
        user.is_staff, user.is_superuser = True, False
    user.save()
    _roles_apply(user, roles)
    after = {
        "roles": staff_roles.user_role_keys(user),
        "union_id": user.union_id,
        "is_union_admin": user.is_union_admin,
        "is_active": user.is_active,
    }
    audit_record(actor=actor, action="staff_roles_set", obj=user, before=before, after=after)
    return user


@transaction.atomic
def staff_password_reset_record(*, actor: User, user: User) -> None:
    """After a password was set by someone else: the account must choose its own at its next login; audited."""
    User.objects.filter(pk=user.pk).update(must_change_password=user.pk != actor.pk)
    audit_record(actor=actor, action="staff_password_reset", obj=user)


def password_changed_by_owner(user: User) -> None:
    if user.must_change_password:
        User.objects.filter(pk=user.pk).update(must_change_password=False)
        user.must_change_password = False
        audit_record(actor=user, action="password_changed_after_reset", obj=user)


def union_create(
    *,
    actor: User,
    name: str,
    code: str,
    level: str,
    parent: Union | None,
    accepts_members: bool = False,
    is_reservoir: bool = False,
    **fields,
) -> Union:
    if not actor.is_superuser and (parent is None or not selectors.union_in_scope(actor, parent)):
        raise NotInScope()
    expected_parent = {
        UnionLevel.CITY: None,
        UnionLevel.COUNTY: UnionLevel.CITY,
        UnionLevel.GRASSROOTS: UnionLevel.COUNTY,
        UnionLevel.BRANCH: UnionLevel.GRASSROOTS,
    }
    if level not in expected_parent:
        raise BusinessError("invalid_level", gettext("层级不正确。"))
    if (parent.level if parent else None) != expected_parent[level] and not (
        level == UnionLevel.GRASSROOTS and parent is not None and parent.level == UnionLevel.CITY
    ):
        raise BusinessError("invalid_parent", gettext("上级工会的层级与本工会层级不匹配。"))
    if Union.objects.filter(code=code).exists():
        raise BusinessError("code_taken", gettext("工会代码已存在。"))
    union = Union(
        name=name,
        code=code,
        level=level,
        parent=parent,
        accepts_members=accepts_members,
        is_reservoir=is_reservoir,
        **fields,
    )
    try:
        with transaction.atomic():
            union.save()
    except IntegrityError as exc:
        raise BusinessError("reservoir_exists", gettext("该上级工会已有职工服务中心工会。")) from exc
    audit_record(actor=actor, action="union_create", obj=union)
    return union


def dues_start_for(*, joined_on: dt.date, hire_date: dt.date | None) -> dt.date:
    """会费起算: hired in the join year → the hire month; hired before → January of the join year."""
    if hire_date and hire_date.year == joined_on.year:
        return months.month_of(min(hire_date, joined_on))
    if hire_date and hire_date.year < joined_on.year:
        return dt.date(joined_on.year, 1, 1)
    return months.month_of(joined_on)


def member_number_next(*, year: int) -> str:
    counter, _ = MemberNumberCounter.objects.get_or_create(year=year)
    counter = MemberNumberCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{year}{counter.last:07d}"


@transaction.atomic
def membership_create(
    *,
    person: Person,
    union: Union,
    dues_mode: str,
    actor: User | None,
    joined_on: dt.date | None = None,
    reason: str = "",
) -> Membership:
    """Join: one open membership per person (one join per life: a member moves by transfer)."""
    if dues_mode not in DuesMode.values:
        raise BusinessError("invalid_dues_mode", gettext("缴费方式不正确。"))
    if not union.accepts_members:
        raise BusinessError("union_not_accepting", gettext("该工会不直接接收会员。"))
    Person.objects.select_for_update().get(pk=person.pk)
    if selectors.membership_open(person):
        raise BusinessError("already_member", gettext("已是工会会员，请申请转会。"))
    joined_on = joined_on or clock.today()
    membership = Membership(
        person=person,
        union=union,
        dues_mode=dues_mode,
        joined_on=joined_on,
        dues_start=dues_start_for(joined_on=joined_on, hire_date=person.hire_date),
        member_no=member_number_next(year=joined_on.year),
        card_active=person.wants_card,
    )
    membership.save()
    MembershipEvent.objects.create(
        membership=membership,
        kind=MembershipEvent.Kind.JOIN,
        to_status="active",
        to_union=union,
        actor=actor,
        on=joined_on,
        reason=reason,
    )
    return membership


def _locked_membership(membership_id: int, actor: User | None) -> Membership:
    membership = (
        Membership.objects.select_for_update().select_related("union").filter(pk=membership_id).first()
    )
    if membership is None or (actor is not None and not selectors.union_in_scope(actor, membership.union)):
        raise NotInScope()
    return membership


def _transition(membership: Membership, name: str, actor: User | None, kind: str, note: str, **kwargs):
    method = getattr(membership, name)
    if not can_proceed(method):
        raise InvalidTransition(membership.status, name)
    before = membership.status
    method(**kwargs)
    membership.save()
    return MembershipEvent.objects.create(
        membership=membership,
        kind=kind,
        from_status=before,
        to_status=membership.status,
        from_union=membership.union,
        to_union=membership.union,
        actor=actor,
        on=kwargs.get("on") or clock.today(),
        reason=note,
    )


@transaction.atomic
def membership_retain(*, membership_id: int, actor: User | None, reason: str, note: str = "") -> Membership:
    if reason not in RetainReason.values:
        raise BusinessError(
            "invalid_reason", gettext("保留会籍原因应为 retired、unemployed、military 或 other。")
        )
    membership = _locked_membership(membership_id, actor)
    today = clock.today()
    _transition(
        membership, "retain", actor, MembershipEvent.Kind.RETAIN, note or reason, reason=reason, on=today
    )
    RetentionPeriod.objects.create(membership=membership, reason=reason, retained_on=today)
    return membership


@transaction.atomic
def membership_restore(*, membership_id: int, actor: User | None, reason: str = "") -> Membership:
    membership = _locked_membership(membership_id, actor)
    today = clock.today()
    _transition(membership, "restore", actor, MembershipEvent.Kind.RESTORE, reason, on=today)
    RetentionPeriod.objects.filter(membership=membership, restored_on__isnull=True).update(restored_on=today)
    return membership


def _close_retention(membership: Membership, on: dt.date) -> None:
    RetentionPeriod.objects.filter(membership=membership, restored_on__isnull=True).update(restored_on=on)


@transaction.atomic
def membership_withdraw(*, membership_id: int, actor: User | None, reason: str) -> Membership:
    """Voluntary withdrawal, decided by staff after discussion with the member."""
    if not reason:
        raise BusinessError("reason_required", gettext("请填写退会原因（经谈话后决定）。"))
    membership = _locked_membership(membership_id, actor)
    today = clock.today()
    _transition(membership, "withdraw", actor, MembershipEvent.Kind.WITHDRAW, reason, reason=reason, on=today)
    _close_retention(membership, today)
    return membership


@transaction.atomic
def membership_expel(*, membership_id: int, actor: User | None, reason: str) -> Membership:
    """Expulsion by committee decision; reported to the parent union (its staff see the event in scope)."""
    if not reason:
        raise BusinessError("reason_required", gettext("请填写开除会籍的决定。"))
    membership = _locked_membership(membership_id, actor)
    today = clock.today()
    event = _transition(
        membership, "expel", actor, MembershipEvent.Kind.EXPEL, reason, decision=reason, on=today
    )
    event.detail = {"reported_to_union_id": membership.union.parent_id}
    event.save(update_fields=["detail"])
    _close_retention(membership, today)
    return membership


@transaction.atomic
def membership_reinstate(*, membership_id: int, actor: User | None, reason: str) -> Membership:
    """Undo a wrong automatic withdrawal."""
    if not reason:
        raise BusinessError("reason_required", gettext("请填写恢复原因。"))
    membership = _locked_membership(membership_id, actor)
    if membership.status == MembershipStatus.WITHDRAWN and selectors.membership_open(membership.person):
        raise BusinessError("already_member", gettext("此人已有有效会籍。"))
    _transition(
        membership,
        "reinstate",
        actor,
        MembershipEvent.Kind.REINSTATE,
        reason,
        reason=reason,
        on=clock.today(),
    )
    return membership


def membership_auto_withdraw(*, membership: Membership, reason: str, on: dt.date, detail: dict) -> None:
    """Automatic withdrawal for arrears (called by the dues sweep inside its own transaction)."""
    _transition(
        membership, "auto_withdraw", None, MembershipEvent.Kind.AUTO_WITHDRAW, reason, reason=reason, on=on
    )
    membership.events.filter(kind=MembershipEvent.Kind.AUTO_WITHDRAW).order_by("-pk").update(detail=detail)


def membership_auto_withdraw_many(*, items: list[tuple[Membership, str, dict]], on: dt.date) -> None:
    """Automatic withdrawal of many locked memberships at once (the sweep): the same transition, set-based writes."""
    events = []
    for membership, reason, detail in items:
        if not can_proceed(membership.auto_withdraw):
            raise InvalidTransition(membership.status, "auto_withdraw")
        before = membership.status
        membership.auto_withdraw(reason=reason, on=on)
        events.append(
            MembershipEvent(
                membership=membership,
                kind=MembershipEvent.Kind.AUTO_WITHDRAW,
                from_status=before,
                to_status=membership.status,
                from_union_id=membership.union_id,
                to_union_id=membership.union_id,
                on=on,
                reason=reason,
                detail=detail,
            )
        )
    # one UPDATE per distinct set of values (a batch has a few reasons, by the number of unpaid months), not
    # bulk_update's CASE over every row
    groups: dict[tuple, list[int]] = {}
    for membership, *_ in items:
        values = (
            membership.status,
            membership.status_reason,
            membership.status_changed_on,
            membership.auto_withdrawn,
        )
        groups.setdefault(values, []).append(membership.pk)
    for (status, reason, changed_on, auto), pks in groups.items():
        Membership.objects.filter(pk__in=pks).update(
            status=status, status_reason=reason, status_changed_on=changed_on, auto_withdrawn=auto
        )
    MembershipEvent.objects.bulk_create(events)


@transaction.atomic
def membership_move(
    *,
    membership_id: int,
    to_union: Union,
    actor: User | None,
    kind: str,
    reason: str,
    detail: dict | None = None,
) -> Membership:
    """Move a membership to another union (transfer or move-out): state, number and ledger stay the same."""
    membership = Membership.objects.select_for_update().get(pk=membership_id)
    if membership.status not in (MembershipStatus.ACTIVE, MembershipStatus.RETAINED):
        raise InvalidTransition(membership.status, kind)
    from_union = membership.union
    membership.union = to_union
    membership.save(update_fields=["union"])
    MembershipEvent.objects.create(
        membership=membership,
        kind=kind,
        from_status=membership.status,
        to_status=membership.status,
        from_union=from_union,
        to_union=to_union,
        actor=actor,
        on=clock.today(),
        reason=reason,
        detail=detail or {},
    )
    return membership


@transaction.atomic
def membership_dues_mode_change(
    *, membership_id: int, dues_mode: str, actor: User | None, reason: str, union: Union | None = None
) -> Membership:
    """Change how a member pays dues; the membership's history keeps the change."""
    if dues_mode not in DuesMode.values:
        raise BusinessError("invalid_dues_mode", gettext("缴费方式应为 self_pay、payroll 或 unit_paid。"))
    membership = Membership.objects.select_for_update().get(pk=membership_id)
    if dues_mode == membership.dues_mode:
        return membership
    membership.dues_mode = dues_mode
    membership.save(update_fields=["dues_mode"])
    union = union or membership.union
    MembershipEvent.objects.create(
        membership=membership,
        kind=MembershipEvent.Kind.DUES_MODE,
        from_status=membership.status,
        to_status=membership.status,
        from_union=union,
        to_union=union,
        actor=actor,
        on=clock.today(),
        reason=reason,
        detail={"dues_mode": dues_mode},
    )
    return membership


def memberships_move_many(
    *,
    membership_ids: list[int],
    from_union: Union,
    to_union: Union,
    actor: User | None,
    reason: str,
    detail: dict,
) -> list[int]:
    """Move many memberships of one union to another at once (a new union takes its employer's reservoir
    members): one update, one bulk insert of transfer events. Locks the rows; returns the ids moved."""
    rows = list(
        Membership.objects.select_for_update()
        .filter(
            pk__in=membership_ids,
            union=from_union,
            status__in=[MembershipStatus.ACTIVE, MembershipStatus.RETAINED],
        )
        .values_list("pk", "status")
    )
    today = clock.today()
    Membership.objects.filter(pk__in=[pk for pk, _s in rows]).update(union=to_union)
    MembershipEvent.objects.bulk_create(
        [
            MembershipEvent(
                membership_id=pk,
                kind=MembershipEvent.Kind.TRANSFER,
                from_status=status,
                to_status=status,
                from_union=from_union,
                to_union=to_union,
                actor=actor,
                on=today,
                reason=reason,
                detail=detail,
            )
            for pk, status in rows
        ]
    )
    return [pk for pk, _s in rows]


@transaction.atomic
def membership_move_out(*, membership_id: int, actor: User, reason: str) -> Membership:
    """迁出: a member who left without applying goes to the county's reservoir union; the member is told."""
    membership = (
        Membership.objects.select_for_update().select_related("union").filter(pk=membership_id).first()
    )
    if membership is None or not selectors.union_in_scope(actor, membership.union):
        raise NotInScope()
    reservoir = selectors.reservoir_for(membership.union)
    if reservoir is None:
        raise BusinessError("no_reservoir", gettext("所属县区总工会没有职工服务中心工会。"))
    if reservoir.pk == membership.union_id:
        raise BusinessError("already_in_reservoir", gettext("该会员已在职工服务中心工会。"))
    old_union = membership.union
    membership = membership_move(
        membership_id=membership.pk,
        to_union=reservoir,
        actor=actor,
        kind=MembershipEvent.Kind.MOVE_OUT,
        reason=reason or "迁出",
    )
    event = membership.events.order_by("-pk").first()
    recipient = User.objects.filter(person=membership.person_id).first()
    if recipient is not None:
        notify(
            recipient=recipient,
            template="membership_moved_out",
            subject="会员组织关系已迁出",
            body=(
                f"您好！因您的劳动（工作）关系发生变化，您的工会会员组织关系已由{old_union.name}迁至{reservoir.name}"
                f"管理。到新单位后，请在网上提交转会申请，为您办理会员组织关系转接手续。"
            ),
            dedupe_key=f"moveout:{event.pk}",
        )
    return membership  # the unit on record is the one the member left: no union-formation count here


def person_reveal(*, person: Person, actor: User, field: str) -> str:
    """Clear ID number or phone for an authorised staff user in scope; every reveal is logged (no clear data)."""
    if field not in ("id_number", "phone"):
        raise BusinessError("invalid_field", gettext("只能查看身份证号码或手机号码。"))
    if not actor.has_perm("members.reveal_person"):
        raise BusinessError("not_allowed", gettext("没有查看完整个人信息的权限。"))
    membership = selectors.membership_current(person)
    if not actor.is_superuser and (
        membership is None or not selectors.union_in_scope(actor, membership.union)
    ):
        raise NotInScope()
    audit_record(actor=actor, action=f"reveal_{field}", obj=person)
    return getattr(person, field)
