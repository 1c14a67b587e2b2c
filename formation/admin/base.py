"""What the lifecycle admins share: the role queue, overdue marking, step buttons calling the services, a start
page (open a founding, submit a renewal, request a dissolution)."""

from django.contrib import admin
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_fsm import can_proceed, has_transition_perm

from casework.admin import TransitionRecordInline
from members import selectors as member_selectors
from members.scope import ScopedAdminMixin, admin_step
from unionhub.lib import clock
from unionhub.lib.admin_steps import StepButtonsMixin
from unionhub.lib.errors import InvalidTransition, NotInScope

REFUSED = _("当前的状态或您的角色不允许此操作。")


class LifecycleQueueFilter(admin.SimpleListFilter):
    """待我处理: open rows whose deciding union (the model admin's `parent_field`) is the user's own."""

    title = _("待办")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("mine", _("待我处理")), ("below", _("下级办理中"))]

    def queryset(self, request, queryset):
        if self.value() not in ("mine", "below"):
            return queryset
        model_admin = self.model_admin
        open_rows = queryset.filter(state__in=model_admin.open_states)
        mine = Q() if request.user.is_superuser else Q(**{model_admin.parent_field: request.user.union_id})
        return open_rows.filter(mine) if self.value() == "mine" else open_rows.exclude(mine)

    def __init__(self, request, params, model, model_admin):
        self.model_admin = model_admin
        super().__init__(request, params, model, model_admin)


class LifecycleAdmin(StepButtonsMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Subclasses set `steps` (name → (label, form class, service, id keyword)), `open_states`, `parent_field`,
    `scope_lookup` (the union whose subtree scopes a row) and optionally `start` ((label, form, service))."""

    steps: dict = {}
    start = None
    open_states: tuple = ()
    parent_field = ""
    scope_lookup = "union"
    change_form_template = "admin/casework/step_change_form.html"
    change_list_template = "admin/formation/lifecycle_change_list.html"
    inlines = [TransitionRecordInline]
    list_filter = [LifecycleQueueFilter, "state"]

    class Media:
        css = {"all": ["casework/admin.css"]}

    def get_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)
        return qs.filter(member_selectors.scope_filter(request.user, self.scope_lookup))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("办理期限"), ordering="due_at")
    def due_marked(self, obj):
        if obj.state in self.open_states and obj.due_at < clock.today():
            return format_html('<span class="app-overdue">{} ⚠ {}</span>', obj.due_at, _("超期"))
        return obj.due_at

    def _info(self):
        return self.model._meta.app_label, self.model._meta.model_name

    def step_names(self, request, obj) -> list[str]:
        if not self.has_change_permission(request, obj):
            return []
        allowed = []
        for name in self.steps:
            method = getattr(obj, name, None)
            if method is None or not hasattr(method, "_django_fsm"):
                if self.step_available(request, obj, name):
                    allowed.append(name)
            elif can_proceed(method) and has_transition_perm(method, request.user):
                allowed.append(name)
        return allowed

    def step_available(self, request, obj, name) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        extra = dict(extra_context or {})
        if self.start is not None and self.has_change_permission(request):
            extra["start_url"] = reverse("admin:{}_{}_start".format(*self._info()))
            extra["start_label"] = self.start[0]
        return super().changelist_view(request, extra)

    def get_urls(self):
        info = self._info()
        urls = [
            path(
                "<int:pk>/step/<str:name>/",
                self.admin_site.admin_view(self.step_view),
                name="{}_{}_step".format(*info),
            )
        ]
        if self.start is not None:
            urls.append(
                path("start/", self.admin_site.admin_view(self.start_view), name="{}_{}_start".format(*info))
            )
        return urls + super().get_urls()

    def limit_unions(self, request, form):
        for field in form.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and queryset.model._meta.label == "members.Union":
                field.queryset = queryset.filter(
                    pk__in=member_selectors.union_scope(request.user).values("pk")
                )
        return form

    def step_view(self, request, pk, name):
        obj = get_object_or_404(self.get_queryset(request), pk=pk)
        change_url = reverse("admin:{}_{}_change".format(*self._info()), args=[pk])
        if name not in self.steps or not self.has_change_permission(request, obj):  # the 审批员 role
            return redirect(change_url)
        label, form_class, service, id_field = self.steps[name]
        post = request.method == "POST"
        form = self.limit_unions(
            request, form_class(request.POST if post else None, request.FILES if post else None)
        )
        return admin_step(
            self,
            request,
            obj=obj,
            form=form,
            label=label,
            done_url=change_url,
            run=lambda **data: service(**{id_field: obj.pk}, actor=request.user, **data),
            refusals={NotInScope: REFUSED, InvalidTransition: REFUSED},
        )

    def start_view(self, request):
        changelist = reverse("admin:{}_{}_changelist".format(*self._info()))
        if not self.has_change_permission(request):
            return redirect(changelist)
        label, form_class, service = self.start
        post = request.method == "POST"
        form = self.limit_unions(request, form_class(request.POST if post else None))
        created = {}

        def run(**data):
            created["obj"] = service(actor=request.user, **data)

        response = admin_step(
            self,
            request,
            obj=self.model._meta.verbose_name,
            form=form,
            label=label,
            done_url=changelist,
            run=run,
            refusals={NotInScope: REFUSED, InvalidTransition: REFUSED},
        )
        if "obj" in created:
            return redirect("admin:{}_{}_change".format(*self._info()), created["obj"].pk)
        return response
