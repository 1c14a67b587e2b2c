from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from formation import services
from formation.admin.base import LifecycleAdmin
from formation.forms import DissolutionApproveForm, DissolutionRequestForm, ReasonForm
from formation.models import Dissolution


def _reject(*, dissolution_id, actor, reason):
    return services.dissolution_reject(dissolution_id=dissolution_id, actor=actor, reason=reason)


@admin.register(Dissolution)
class DissolutionAdmin(LifecycleAdmin):
    list_display = [
        "union",
        "reason",
        "by_parent",
        "state",
        "due_marked",
        "target",
        "moved_count",
        "approval_no",
    ]
    search_fields = ["union__name"]
    parent_field = "union__parent"
    open_states = ("requested",)
    readonly_fields = [
        "union",
        "reason",
        "note",
        "by_parent",
        "state",
        "due_marked",
        "target",
        "moved_count",
        "approval_no",
        "decision",
    ]
    fields = readonly_fields
    start = (_("申请撤销工会"), DissolutionRequestForm, services.dissolution_request)
    steps = {
        "approve": (
            _("批准撤销（会员整体转出）"),
            DissolutionApproveForm,
            services.dissolution_approve,
            "dissolution_id",
        ),
        "reject": (_("驳回"), ReasonForm, _reject, "dissolution_id"),
    }
