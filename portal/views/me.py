"""The member's own pages beyond the card: message inbox and profile upkeep."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from members.permissions import member_required
from members.profile import person_profile_update
from notifications import inbox
from portal.forms import ProfileForm
from unionhub.lib.errors import BusinessError, NotInScope


@login_required
def inbox_page(request):
    page = Paginator(inbox.inbox_list(user=request.user), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "members/inbox.html",
        {"inbox_page": page, "unread_count": inbox.inbox_unread_count(user=request.user)},
    )


@require_POST
@login_required
def inbox_read(request, pk: int):
    try:
        inbox.inbox_message_read(user=request.user, message_id=pk)
    except NotInScope as exc:
        raise Http404 from exc
    return redirect("member-inbox")


@require_POST
@login_required
def inbox_read_all(request):
    count = inbox.inbox_read_all(user=request.user)
    messages.success(request, _("已将 %(n)d 条消息标为已读。") % {"n": count})
    return redirect("member-inbox")


FORM_FIELD_OF_CODE = {"password_required": "password", "phone_taken": "phone"}


@member_required
def profile_page(request):
    person = request.user.person
    form = ProfileForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        try:
            rows = (
                person_profile_update(
                    person_id=person.pk,
                    actor=request.user,
                    changes=changes,
                    password=form.cleaned_data["password"],
                )
                if changes
                else []
            )
        except BusinessError as exc:
            form.add_error(FORM_FIELD_OF_CODE.get(exc.code), exc.detail)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            if rows:
                messages.success(request, _("已保存 %(n)d 项修改。") % {"n": len(rows)})
            else:
                messages.info(request, _("资料没有变化。"))
            return redirect("member-profile")
    return render(
        request,
        "members/profile.html",
        {"form": form, "person": person, "history": person.profile_changes.select_related("actor")[:20]},
    )
