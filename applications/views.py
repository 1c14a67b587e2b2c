"""Member pages: apply, follow the application as a timeline, withdraw, download the printable forms."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from applications import documents, proofs, selectors, services
from applications.forms import JoinForm
from applications.models import JoinApplication
from casework import selectors as case_selectors
from casework.models import OPEN_STATES
from members import selectors as member_selectors
from unionhub.lib.errors import BusinessError, NotInScope
from unionhub.lib.pdf import pdf_response


def _person_or_404(request):
    if request.user.person is None:
        raise Http404()
    return request.user.person


def _own_application_or_404(request, pk: int) -> JoinApplication:
    try:
        return selectors.join_application_for_applicant(person=_person_or_404(request), pk=pk)
    except NotInScope as exc:
        raise Http404() from exc


@login_required
def join_apply(request):
    person = _person_or_404(request)
    if member_selectors.membership_open(person):
        messages.info(request, _("您已是工会会员，工作单位变动请申请转会。"))
        return redirect("member-home")
    open_app = JoinApplication.objects.filter(applicant=person, state__in=OPEN_STATES).first()
    if open_app:
        return redirect("join-detail", open_app.pk)
    searching = request.method == "POST" and "search" in request.POST
    search = (request.POST.get("q") if request.method == "POST" else request.GET.get("q", "")) or ""
    last = JoinApplication.objects.filter(applicant=person).first()
    initial = {
        "unit_name": person.unit_name,
        "employment_type": person.employment_type or "staff",
        "hire_date": person.hire_date,
        "wants_card": person.wants_card,
    }
    if last:  # re-applying after a rejection or withdrawal: start from what was said last time
        initial.update(
            unit_name=last.unit_name,
            employment_type=last.employment_type,
            hire_date=last.hire_date,
            union=last.union_id,
        )
    if searching:
        form = JoinForm(initial={**initial, **request.POST.dict()}, search=search.strip())
    else:
        form = JoinForm(request.POST or None, request.FILES or None, initial=initial, search=search.strip())
    if request.method == "POST" and not searching and form.is_valid():
        try:
            app = services.join_application_submit(user=request.user, **form.cleaned_data)
        except BusinessError as exc:
            form.add_error("proof" if exc.code.startswith("proof") else None, exc.detail)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("入会申请已提交，请留意审核结果。"))
            return redirect("join-detail", app.pk)
    return render(request, "applications/apply.html", {"form": form, "search": search, "last": last})


@login_required
def join_detail(request, pk: int):
    app = _own_application_or_404(request, pk)
    person = app.applicant
    return render(
        request,
        "applications/detail.html",
        {
            "app": app,
            "timeline": case_selectors.timeline(app),
            "can_reapply": not app.is_open and not member_selectors.membership_open(person),
        },
    )


@login_required
@require_POST
def join_withdraw(request, pk: int):
    _person_or_404(request)
    try:
        services.join_application_withdraw(application_id=pk, user=request.user)
    except NotInScope as exc:
        raise Http404() from exc
    except BusinessError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("入会申请已撤销。"))
    return redirect("join-detail", pk)


@login_required
def join_document(request, pk: int, kind: str):
    app = _own_application_or_404(request, pk)
    try:
        content, filename = documents.document_pdf(app, kind)
    except LookupError as exc:
        raise Http404() from exc
    return pdf_response(content, filename)


def proof_response(app) -> HttpResponse:
    """The uploaded proof as a download (never rendered inline)."""
    if not app.proof_file:
        raise Http404()
    response = HttpResponse(proofs.proof_load(app.proof_file), content_type=app.proof_content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{proofs.proof_filename(app.proof_file, app.proof_content_type)}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def join_proof(request, pk: int):
    return proof_response(_own_application_or_404(request, pk))


def home_section(request, person, membership):
    """Home page: the latest application's state, or the way to apply."""
    is_member = membership is not None and membership.status in ("active", "retained")
    if is_member:  # a member moves by transfer: nothing to show or apply for here
        return None
    app = JoinApplication.objects.filter(applicant=person).select_related("union").first()
    return "applications/home_section.html", {
        "join_application": app,
        "can_apply": not is_member,
        "home_main_task": True,
    }
