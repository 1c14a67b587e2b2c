"""Admin for profile changes: an inline on the person page and a scoped list for the half-yearly review."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from members.models import ProfileChange
from unionhub.admin_scope import ScopedAdminMixin, ScopedReadOnlyInline


class ProfileChangeInline(ScopedReadOnlyInline):
    model = ProfileChange
    fields = ["at", "field_name", "old_value", "new_value", "actor", "by_staff"]
    readonly_fields = fields
    verbose_name_plural = _("资料变更记录")

    @admin.display(description=_("修改项"))
    def field_name(self, obj):
        return obj.field_label


@admin.register(ProfileChange)
class ProfileChangeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """What changed and when, in the staff member's scope (filter by date for the January/July review)."""

    union_field = "person__memberships__union"
    list_display = ["at", "person", "field_name", "old_value", "new_value", "actor", "by_staff"]
    list_filter = ["by_staff", "field"]
    date_hierarchy = "at"
    search_fields = ["person__name"]
    list_select_related = ["person", "actor"]

    def get_queryset(self, request):
        return super().get_queryset(request).distinct()

    @admin.display(description=_("修改项"), ordering="field")
    def field_name(self, obj):
        return obj.field_label

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
