"""What the member's home page shows of the card and the inbox (providers for members.views.HOME_SECTIONS)."""

from members import card, inbox


def card_section(request, person, membership):
    if membership is None or membership.status not in card.CARD_STATUSES:
        return None
    return "members/sections/card.html", {"card_available": card.card_available(membership)}


def inbox_section(request, person, membership):
    return "members/sections/inbox.html", {"inbox_unread_count": inbox.inbox_unread_count(user=request.user)}


def register() -> None:
    from members.views import HOME_SECTIONS

    for provider in (card_section, inbox_section):
        if provider not in HOME_SECTIONS:
            HOME_SECTIONS.append(provider)
