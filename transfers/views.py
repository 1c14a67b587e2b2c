"""Member pages: ask for a transfer, follow it, withdraw, download the letters."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from casework.models import OPEN_STATES
from casework.selectors import timeline
from members import selectors as member_selectors
from transfers import documents, selectors, services
from transfers.forms import TransferForm
from transfers.models import TransferApplication
from unionhub.lib.errors import BusinessError, NotInScope
from unionhub.lib.pdf import pdf_response


def _own_transfer_or_404(request, pk: int) -> TransferApplication:
    if request.user.person is None:
        raise Http404()
    try:
        return selectors.transfer_application_for_applicant(person=request.user.person, pk=pk)
    except NotInScope as exc:
        raise Http404() from exc


@login_required
def transfer_apply(request):
    person = request.user.person
    if person is None:
        raise Http404()
    open_app = TransferApplication.objects.filter(applicant=person, state__in=OPEN_STATES).first()
    if open_app:
        return redirect("transfer-detail", open_app.pk)
    membership = member_selectors.membership_open(person)
    searching = request.method == "POST" and "search" in request.POST
    search = ((request.POST.get("q") if request.method == "POST" else request.GET.get("q", "")) or "").strip()
    exclude = membership.union_id if membership else None
    if searching:
        form = TransferForm(initial=request.POST.dict(), search=search, exclude_union_id=exclude)
    else:
        form = TransferForm(request.POST or None, search=search, exclude_union_id=exclude)
    if request.method == "POST" and not searching and form.is_valid():
        try:
            app, kind = services.transfer_application_submit(user=request.user, **form.cleaned_data)
        except BusinessError as exc:
            form.add_error(None, exc.detail)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            if kind == "join":
                messages.info(
                    request, _("系统中未查询到您的会员信息（例如会员关系在市外），已为您转为入会申请。")
                )
                return redirect("join-detail", app.pk)
            messages.success(request, _("转会申请已提交，请留意审核结果。"))
            return redirect("transfer-detail", app.pk)
    return render(request, "transfers/apply.html", {"form": form, "search": search, "membership": membership})


@login_required
def transfer_detail(request, pk: int):
    app = _own_transfer_or_404(request, pk)
    return render(request, "transfers/detail.html", {"app": app, "timeline": timeline(app)})


@login_required
@require_POST
def transfer_withdraw(request, pk: int):
    _own_transfer_or_404(request, pk)
    try:
        services.transfer_application_withdraw(application_id=pk, user=request.user)
    except BusinessError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("转会申请已撤销。"))
    return redirect("transfer-detail", pk)


@login_required
def transfer_document(request, pk: int, kind: str):
    app = _own_transfer_or_404(request, pk)
    try:
        content, filename = documents.document_pdf(app, kind)
    except LookupError as exc:
        raise Http404() from exc
    return pdf_response(content, filename)


def home_section(request, person, membership):
    """Home page of a member: the latest transfer's state, or the way to ask for one."""
    if membership is None or membership.status not in ("active", "retained"):
        return None
    app = None
    if getattr(membership, "has_transfer_applications", True):  # read with the membership (home_annotations)
        app = TransferApplication.objects.filter(applicant=person).select_related("union").first()
    return "transfers/home_section.html", {"transfer_application": app}


def home_annotations(request, person) -> dict:
    """What home_section needs to know with the membership: whether the person ever asked for a transfer."""
    return {"has_transfer_applications": Exists(TransferApplication.objects.filter(applicant=person))}
