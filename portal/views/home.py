"""The member's home page: the membership, then one section per app that has something to show."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from applications.views import home_section as join_section
from dues.views import home_section as dues_section
from members import selectors
from notifications import inbox
from portal import card
from transfers.views import home_annotations as transfer_annotations
from transfers.views import home_section as transfer_section


def card_section(request, person, membership):
    if membership is None or membership.status not in card.CARD_STATUSES:
        return None
    return "members/sections/card.html", {"card_available": card.card_available(membership)}


def inbox_section(request, person, membership):
    unread = getattr(membership, "inbox_unread_count", None)  # read with the membership (inbox_annotations)
    if unread is None:
        unread = inbox.inbox_unread_count(user=request.user)
    return "members/sections/inbox.html", {"inbox_unread_count": unread}


def inbox_annotations(request, person) -> dict:
    return {"inbox_unread_count": inbox.inbox_unread_count_expression(user=request.user)}


# What the home page shows, in order: a callable (request, person, membership) -> (template_name, extra_context)
# or None; a section whose context has home_main_task true is shown first, above the member's own summary.
# The portal sits above the apps it shows, so it names them here rather than being told at start-up.
HOME_SECTIONS = [card_section, inbox_section, join_section, transfer_section, dues_section]
# Facts some sections need, read in the one query of the membership instead of one query each: a callable
# (request, person) -> {name: expression}; the section finds the value as an attribute of the membership (and
# asks for it itself when there is no membership).
HOME_ANNOTATIONS = [inbox_annotations, transfer_annotations]


@login_required
def home(request):
    person = request.user.person
    if person is None:
        return redirect("admin:index")
    annotations = {}
    for provider in HOME_ANNOTATIONS:
        annotations.update(provider(request, person))
    membership = selectors.membership_current(person, **annotations)
    context = {"person": person, "membership": membership, "home_main_sections": [], "home_sections": []}
    for provider in HOME_SECTIONS:
        section = provider(request, person, membership)
        if section:
            template_name, extra = section
            # The member's main task (入会缴费 for a self-pay member, the application for an applicant) comes first.
            main = extra.get("home_main_task", False)
            context["home_main_sections" if main else "home_sections"].append(template_name)
            context.update(extra)
    return render(request, "members/home.html", context)
