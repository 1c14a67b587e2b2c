"""Member card pages: the card itself, its activation, and the public verification page its QR code opens."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_ratelimit.decorators import ratelimit

from members import selectors
from members.permissions import member_required
from portal import card
from unionhub.lib import clock
from unionhub.lib.errors import BusinessError


@member_required
def card_page(request):
    person = request.user.person
    membership, available = card.member_card(person)
    max_age = settings.CARD_LINK_MAX_AGE_SECONDS
    context = {
        "person": person,
        "membership": membership,
        "available": available,
        "can_activate": bool(membership and membership.status in card.CARD_STATUSES and not available),
        "link_minutes": max(1, max_age // 60),
        "refresh_seconds": max(30, max_age - 60),
    }
    if available:
        url = card.card_verify_url(membership, request)
        # segno writes the SVG from the URL alone; nothing in it comes from user input unescaped.
        context.update(verify_url=url, qr_svg=mark_safe(card.card_qr_svg(url)))  # noqa: S308
    return render(request, "members/card.html", context)


@require_POST
@member_required
def card_activate(request):
    membership = selectors.membership_open(request.user.person)
    if membership is None:
        messages.error(request, _("尚未入会或会籍已终止，不能开通电子会员卡。"))
        return redirect("member-card")
    try:
        card.membership_card_activate(
            membership_id=membership.pk, actor=request.user, id_number=request.POST.get("id_number", "")
        )
    except BusinessError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("电子会员卡已开通。"))
    return redirect("member-card")


def verify_rate(group, request) -> str:
    return settings.CARD_VERIFY_RATE


@require_GET
@ratelimit(key="unionhub.lib.client_ip.ratelimit_key", rate=verify_rate, block=False)
def card_verify(request, token: str):
    """Public (no login): whether the card is valid today, its union, the masked name. Nothing else."""
    if getattr(request, "limited", False):
        response = render(request, "members/card_verify.html", {"limited": True}, status=429)
    else:
        response = render(
            request, "members/card_verify.html", {"check": card.card_check(token), "today": clock.today()}
        )
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
