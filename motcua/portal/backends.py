"""Sign in with an e-mail address or a Vietnamese mobile number instead of the username, or with the username typed
in other capitals ("MotCua.MC" for motcua.mc: phones capitalise the first letter, officers type from paper).

Listed after Django's ModelBackend in settings.AUTHENTICATION_BACKENDS, so usernames keep working exactly as
before; this backend only answers when the identifier is an e-mail, a phone number or a username that names
exactly one active account (an ambiguous one signs in nobody)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from motcua.notifications.recipients import RecipientError, normalise_phone


class EmailOrPhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        user = self.find_user(str(username).strip())
        if user is None:
            get_user_model()().set_password(password)  # same cost as a real check (timing)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    @staticmethod
    def find_user(identifier: str):
        User = get_user_model()
        if "@" in identifier:
            matches = list(User.objects.filter(email__iexact=identifier, is_active=True)[:2])
            return matches[0] if len(matches) == 1 else None
        try:
            phone = normalise_phone(identifier)
        except RecipientError:
            matches = list(User.objects.filter(username__iexact=identifier, is_active=True)[:2])
        else:
            matches = list(User.objects.filter(citizen_profile__phone=phone, is_active=True)[:2])
        return matches[0] if len(matches) == 1 else None
