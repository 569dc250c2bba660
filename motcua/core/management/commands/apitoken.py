from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from motcua.core.models import ApiToken


class Command(BaseCommand):
    help = "Print a new API bearer token for a user (motcua apitoken <username>)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--label", default="cli")

    def handle(self, *args, username, label, **options):
        User = get_user_model()
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(f"Không có người dùng '{username}' (no such user).") from exc
        self.stdout.write(ApiToken.issue(user, label=label))
