"""Retention (PIPL: keep personal data no longer than needed) and key rotation of encrypted fields."""

import datetime as dt
import logging
import secrets

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from members.models import Membership, MembershipStatus, Person, ProfileChange, User
from notifications.models import OutboxMessage
from unionhub.audit import audit_record
from unionhub.lib.crypto import EncryptedTextField

log = logging.getLogger(__name__)

ANONYMISED_NAME = "已匿名"
ENDED = (MembershipStatus.WITHDRAWN, MembershipStatus.EXPELLED)

# Open business that keeps a person's data: (app label, model, lookup from the model to Person, open filter).
# Apps not installed or models not built yet are skipped; a lookup that no longer matches its model stops the
# run (nobody is anonymised) and is logged, so a renamed field can never let open business be erased.
# Join and transfer applications share applications.models.ApplicationBase: the applicant is a Person and the
# undecided states are applications.models.OPEN_STATES (a test keeps these two lists equal).
APPLICATION_OPEN_STATES = ["submitted", "dispatched", "verified"]
OPEN_BUSINESS = [
    ("applications", "JoinApplication", "applicant", Q(state__in=APPLICATION_OPEN_STATES)),
    ("transfers", "TransferApplication", "applicant", Q(state__in=APPLICATION_OPEN_STATES)),
    ("dues", "PaymentOrder", "membership__person", Q(status__in=["pending", "refund_pending"])),
]


class OpenBusinessUnknown(Exception):
    pass


def _people_with_open_business() -> set[int]:
    people: set[int] = set()
    for app_label, model_name, person_lookup, open_filter in OPEN_BUSINESS:
        if not apps.is_installed(app_label):
            continue
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        try:
            people.update(model.objects.filter(open_filter).values_list(person_lookup, flat=True).distinct())
        except FieldError as exc:
            raise OpenBusinessUnknown(f"{app_label}.{model_name}: {exc}") from exc
    return people


def person_expired_ids(*, today: dt.date) -> list[int]:
    """People not yet anonymised whose every membership ended (withdrawn/expelled) before the cut-off."""
    cutoff = today - relativedelta(years=settings.UNIONHUB_RETENTION_YEARS)
    ended_long_ago = Membership.objects.filter(status__in=ENDED, status_changed_on__lt=cutoff)
    still_relevant = Membership.objects.filter(
        ~Q(status__in=ENDED) | Q(status_changed_on__isnull=True) | Q(status_changed_on__gte=cutoff)
    )
    return list(
        Person.objects.filter(anonymised_at__isnull=True, pk__in=ended_long_ago.values("person_id"))
        .exclude(pk__in=still_relevant.values("person_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _non_matching_hash() -> str:
    # A keyed hash is 64 hex digits; a "-" never occurs in one, so this can match no real number.
    return "anon-" + secrets.token_hex(29)


@transaction.atomic
def person_anonymise(*, person_id: int, now: dt.datetime) -> bool:
    person = Person.objects.select_for_update().get(pk=person_id)
    if person.anonymised_at is not None:
        return False
    person.name = ANONYMISED_NAME
    person.id_number = ""
    person.id_number_hash = _non_matching_hash()
    person.id_number_masked = ""
    person.phone = ""
    person.phone_hash = None
    person.phone_masked = ""
    person.address = ""
    person.birth_date = person.birth_date.replace(month=1, day=1)  # the year stays for age statistics
    person.id_valid_from = person.id_valid_to = None
    person.unit_name = ""
    person.hire_date = None
    person.union_position = ""
    person.staff_number = None
    person.anonymised_at = now
    person.save()
    # the record of changes holds old addresses and the like (encrypted, but still the person's)
    ProfileChange.objects.filter(person=person).delete()
    user = User.objects.filter(person=person).first()
    if user is not None:
        from rest_framework.authtoken.models import Token

        user.first_name = user.last_name = user.email = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
        Token.objects.filter(user=user).delete()
        OutboxMessage.objects.filter(recipient=user).delete()
    audit_record(actor=None, action="person_anonymise", obj=person)
    return True


def person_anonymise_expired(*, today: dt.date) -> list[int]:
    """Anonymise everyone whose membership ended more than the retention period ago and who has no open
    business. Running it again changes nothing. Returns the ids anonymised."""
    try:
        busy = _people_with_open_business()
    except OpenBusinessUnknown as exc:
        log.error("retention: open business cannot be checked, nobody anonymised (%s)", exc)
        return []
    now = timezone.now()
    done = [
        pk
        for pk in person_expired_ids(today=today)
        if pk not in busy and person_anonymise(person_id=pk, now=now)
    ]
    log.info(
        "retention: %d people anonymised (ended before %s)",
        len(done),
        today - relativedelta(years=settings.UNIONHUB_RETENTION_YEARS),
    )
    return done


def encrypted_fields() -> list[tuple[type, list[str]]]:
    """Every model with EncryptedTextField columns, whichever app it belongs to."""
    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            found.append((model, names))
    return found


def encrypted_fields_rotate(*, batch_size: int = 500) -> dict[str, int]:
    """Re-encrypt every encrypted column with the newest key (UNIONHUB_FIELD_KEYS[0]), batch by batch.
    Old keys must still be configured while this runs; afterwards they can be removed."""
    counts = {}
    for model, names in encrypted_fields():
        last_pk, done = 0, 0
        while True:
            with transaction.atomic():
                rows = list(
                    model.objects.select_for_update()
                    .filter(pk__gt=last_pk)
                    .order_by("pk")
                    .only("pk", *names)[:batch_size]
                )
                if not rows:
                    break
                # Reading decrypts with whichever key wrote the value; saving encrypts with the newest.
                model.objects.bulk_update(rows, names)
            last_pk, done = rows[-1].pk, done + len(rows)
        counts[model._meta.label] = done
    return counts
