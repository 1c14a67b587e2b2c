from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from formation import services
from formation.admin.base import LifecycleAdmin
from formation.forms import CaseStepForm, ReasonForm, TermRenewalSubmitForm
from formation.models import TermRenewal


def _submit(*, actor, union, elected_on, election_form, committees):
    return services.term_renewal_submit(
        actor=actor, union=union, elected_on=elected_on, election_form=election_form, committees=committees
    )


def _reject(*, renewal_id, actor, reason):
    return services.term_renewal_reject(renewal_id=renewal_id, actor=actor, reason=reason)


@admin.register(TermRenewal)
class TermRenewalAdmin(LifecycleAdmin):
    list_display = [
        "union",
        "session_no",
        "election_form",
        "elected_on",
        "state",
        "due_marked",
        "approval_no",
    ]
    search_fields = ["union__name"]
    parent_field = "union__parent"
    open_states = ("submitted",)
    readonly_fields = [
        "union",
        "session_no",
        "election_form",
        "elected_on",
        "committees",
        "state",
        "due_marked",
        "approval_no",
        "reason",
    ]
    fields = readonly_fields
    start = (_("申报换届"), TermRenewalSubmitForm, _submit)
    steps = {
        "approve": (_("批准换届"), CaseStepForm, services.term_renewal_approve, "renewal_id"),
        "reject": (_("驳回"), ReasonForm, _reject, "renewal_id"),
    }
