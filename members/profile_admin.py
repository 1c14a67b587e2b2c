"""Admin for profile changes: an inline on the person page and a scoped list for the half-yearly review."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from members.models import Person, ProfileChange
from members.profile import TRACKED_FIELDS
from members.scope import ScopedAdminMixin, ScopedReadOnlyInline


class ChangeDisplayMixin:
    @admin.display(description=_("修改项"), ordering="field")
    def field_name(self, obj):
        return obj.field_label

    @admin.display(description=_("修改人"))
    def changed_by(self, obj):
        if not obj.by_staff:
            return _("本人")
        return obj.actor.username if obj.actor else "-"


class ProfileChangeInline(ChangeDisplayMixin, ScopedReadOnlyInline):
    model = ProfileChange
    fields = ["at", "field_name", "old_value", "new_value", "changed_by"]
    readonly_fields = fields
    verbose_name_plural = _("资料变更记录")


class FieldFilter(admin.SimpleListFilter):
    title = _("修改项")
    parameter_name = "field"

    def lookups(self, request, model_admin):
        return [(name, Person._meta.get_field(name).verbose_name) for name in TRACKED_FIELDS]

    def queryset(self, request, queryset):
        return queryset.filter(field=self.value()) if self.value() else queryset


@admin.register(ProfileChange)
class ProfileChangeAdmin(ChangeDisplayMixin, ScopedAdminMixin, admin.ModelAdmin):
    """What changed and when, in the staff member's scope (filter by date for the January/July review)."""

    union_field = "person__memberships__union"
    list_display = ["at", "person", "field_name", "old_value", "new_value", "changed_by"]
    list_filter = ["by_staff", FieldFilter]
    date_hierarchy = "at"
    search_fields = ["person__name"]
    list_select_related = ["person", "actor"]

    def get_queryset(self, request):
        return super().get_queryset(request).distinct()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
