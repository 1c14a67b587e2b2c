from django.contrib.auth.backends import ModelBackend

from members import selectors
from members.models import User
from unionhub.lib import idnumber, phone


class PhoneIdOrUsernameBackend(ModelBackend):
    """Members log in with their phone or ID number; staff with their username."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        user = self.user_for_login(username)
        if user is None:
            User().set_password(password)  # same work as a real check: no timing hint
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        """The session's user with their person in the same query (every member page needs both)."""
        user = User.objects.select_related("person").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    @staticmethod
    def user_for_login(login: str) -> User | None:
        login = login.strip()
        person = None
        if phone.MOBILE.match(phone.normalize(login)):
            person = selectors.person_get_by_phone(login)
        elif idnumber.PATTERN.match(idnumber.normalize(login)):
            person = selectors.person_get_by_id_number(login)
        if person is not None:
            return User.objects.filter(person=person).first()
        return User.objects.filter(username=login, person__isnull=True).first()
