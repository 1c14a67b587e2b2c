"""消息: a user's in-site messages from the outbox (application results, dispatch, reminders, arrears, transfers)."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, IntegerField, QuerySet, Subquery
from django.db.models.functions import Coalesce

from notifications.models import OutboxMessage
from unionhub.lib import clock
from unionhub.lib.errors import NotInScope


def inbox_list(*, user: AbstractBaseUser) -> QuerySet[OutboxMessage]:
    """The user's in-site messages, newest first."""
    return OutboxMessage.objects.filter(recipient=user, channel=OutboxMessage.Channel.INBOX).order_by(
        "-created_at", "-pk"
    )


def inbox_unread_count(*, user: AbstractBaseUser) -> int:
    return inbox_list(user=user).filter(read_at__isnull=True).count()


def inbox_unread_count_expression(*, user: AbstractBaseUser) -> Coalesce:
    """inbox_unread_count as an expression, to be read along with another query (the home page's membership)."""
    unread = (
        inbox_list(user=user)
        .filter(read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), 0)


def inbox_message_read(*, user: AbstractBaseUser, message_id: int) -> OutboxMessage:
    """Mark one of the user's messages read (once; a second call keeps the first time)."""
    message = inbox_list(user=user).filter(pk=message_id).first()
    if message is None:
        raise NotInScope()
    if message.read_at is None:
        message.read_at = clock.now()
        message.save(update_fields=["read_at"])
    return message


def inbox_read_all(*, user: AbstractBaseUser) -> int:
    """Mark every unread message of the user read; returns how many were marked."""
    return inbox_list(user=user).filter(read_at__isnull=True).update(read_at=clock.now())
