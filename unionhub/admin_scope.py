"""Admin scoping: a staff account sees exactly its union's subtree, in every list, form, lookup and export."""

from django.contrib import admin

from members import selectors


class ScopedAdminMixin:
    """Set `union_field` to the lookup from this model to its union ("union", "membership__union", …)."""

    union_field = "union"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.filter(selectors.scope_filter(request.user, self.union_field))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        from members.models import Union

        if db_field.related_model is Union and not request.user.is_superuser:
            kwargs["queryset"] = selectors.union_scope(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request):
        return request.user.is_superuser or getattr(request.user, "is_union_staff", False)


class ScopedReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
