"""Admin scoping: a staff account sees exactly its union's subtree, in every list, form, lookup and export."""

from django.contrib import admin

from members import selectors
from members.models import EmployerUnit, Union
from unionhub.lib.errors import BusinessError


class ScopedAdminMixin:
    """Set `union_field` to the lookup from this model to its union ("union", "membership__union", …)."""

    union_field = "union"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.filter(selectors.scope_filter(request.user, self.union_field))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Union and not request.user.is_superuser:
            kwargs["queryset"] = selectors.union_scope(request.user)
        if db_field.related_model is EmployerUnit and not request.user.is_superuser:
            kwargs["queryset"] = selectors.employer_scope(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return request.user.is_superuser or getattr(
            request.user, "is_union_staff", False
        )  # anonymous on the login page


class ReadOnlyInlineMixin:
    """An inline that shows history: nothing is added, changed or deleted through it."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ScopedReadOnlyInline(ReadOnlyInlineMixin, admin.TabularInline):
    pass


def admin_step(modeladmin, request, *, obj, form, label, run, done_url, refusals=None):
    """The admin page of one service step (a transition, a case step): on a valid POST run it and go back to the
    object with the outcome; otherwise show the form. `refusals` maps exception classes to the message shown
    for them; any other BusinessError or ValidationError shows its own text."""
    from django.contrib import messages
    from django.core.exceptions import ValidationError
    from django.shortcuts import redirect
    from django.template.response import TemplateResponse
    from django.utils.translation import gettext as _

    refusals = refusals or {}
    caught = (BusinessError, ValidationError, *refusals)
    if request.method == "POST" and form.is_valid():
        try:
            run(**form.cleaned_data)
        except caught as exc:
            text = next((m for cls, m in refusals.items() if isinstance(exc, cls)), None)
            messages.error(request, text or getattr(exc, "detail", None) or "; ".join(exc.messages))
        else:
            messages.success(request, _("已完成：%(label)s") % {"label": label})
            return redirect(done_url)
    return TemplateResponse(
        request,
        "admin/transition_form.html",
        {
            **modeladmin.admin_site.each_context(request),
            "form": form,
            "title": label,
            "object": obj,
            "opts": modeladmin.model._meta,
        },
    )
