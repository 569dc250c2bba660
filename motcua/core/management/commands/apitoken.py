from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from motcua.core.models import ApiToken


class Command(BaseCommand):
    help = "In một mã truy cập API mới cho người dùng. / Print a new API bearer token for a user."

    def add_arguments(self, parser):
        parser.add_argument("username", help="tên đăng nhập / user name")
        parser.add_argument("--label", default="cli", help="nhãn của mã (mặc định cli) / the token's label")

    def handle(self, *args, username, label, **options):
        User = get_user_model()
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(f"Không có người dùng '{username}'. / No user '{username}'.") from exc
        self.stdout.write(ApiToken.issue(user, label=label))
