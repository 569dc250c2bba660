from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from motcua.core.models import ApiToken


class Command(BaseCommand):
    help = (
        "In một mã truy cập API mới cho người dùng (chỉ mã; hạn dùng ghi ra stderr khi chạy tại terminal hoặc với "
        "-v 2), hoặc thu hồi mọi mã của người dùng (--revoke). / Print a new API bearer token for a user (the token "
        "alone; its expiry on stderr at a terminal or with -v 2), or revoke all of the user's tokens (--revoke). "
        "-v 0: vẫn in mã (kết quả của lệnh), không in hạn dùng hay dòng thu hồi. / -v 0: the token is still printed "
        "(it is the result), never the expiry or the revocation line."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="tên đăng nhập / user name")
        parser.add_argument("--label", default="cli", help="nhãn của mã (mặc định cli) / the token's label")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="số ngày hiệu lực, tối đa API_TOKEN_MAX_AGE_DAYS (mặc định) / days valid, at most "
            "API_TOKEN_MAX_AGE_DAYS (the default)",
        )
        parser.add_argument(
            "--revoke",
            action="store_true",
            help="thu hồi mọi mã của người dùng, không cấp mã mới / revoke all the user's tokens, issue none",
        )

    def handle(self, *args, username, label, days, revoke, **options):
        User = get_user_model()
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(f"Không có người dùng '{username}'. / No user '{username}'.") from exc
        if revoke:
            if days is not None:
                raise CommandError("--revoke không đi cùng --days. / --revoke does not take --days.")
            count = ApiToken.objects.filter(user=user, revoked=False).update(revoked=True)
            if options.get("verbosity", 1) == 0:
                return
            self.stdout.write(
                f"Đã thu hồi {count} mã truy cập của '{username}'. / Revoked {count} API token(s) of '{username}'."
            )
            return
        if not user.is_active:  # the API refuses a deactivated account's token (401): do not print a dead one
            raise CommandError(
                f"Tài khoản '{username}' đã bị vô hiệu hóa: mã truy cập sẽ bị API từ chối; kích hoạt lại tài khoản "
                f"trước (trang quản trị, Người sử dụng). / The account '{username}' is deactivated: the API would "
                "refuse its token; reactivate the account first (admin, Users)."
            )
        label_max = ApiToken._meta.get_field("label").max_length
        if len(label) > label_max:  # PostgreSQL refused the row with a DataError traceback
            raise CommandError(
                f"--label dài {len(label)} ký tự: tối đa {label_max}. / --label is {len(label)} characters long: "
                f"at most {label_max}."
            )
        max_days = settings.API_TOKEN_MAX_AGE_DAYS
        if days is not None and (days < 1 or (max_days and days > max_days)):
            limit = f"1–{max_days}" if max_days else "≥ 1"
            raise CommandError(
                f"--days {days}: số ngày hiệu lực phải trong khoảng {limit} (API_TOKEN_MAX_AGE_DAYS={max_days}). / "
                f"--days {days}: the days valid must be {limit} (API_TOKEN_MAX_AGE_DAYS={max_days})."
            )
        raw, token = ApiToken.issue_with_expiry(user, label=label, days=days)
        # The expiry, first and on stderr, for a person at a terminal (or asked for with -v 2): a script reading the
        # command's output, whatever it does with stderr, gets the token alone, as before tokens expired (contract
        # §6: "prints a token").
        verbosity = options.get("verbosity", 1)
        if verbosity >= 2 or (verbosity == 1 and self.stderr.isatty()):
            self.stderr.write(self._expiry(token))
        self.stderr.flush()
        self.stdout.write(raw)

    @staticmethod
    def _expiry(token: ApiToken) -> str:
        if token.expires_at is None:
            return "Mã không có hạn dùng (API_TOKEN_MAX_AGE_DAYS=0). / The token does not expire."
        when = timezone.localtime(token.expires_at)
        return (
            f"Mã có hiệu lực đến {when:%H:%M} ngày {when:%d/%m/%Y}. / "
            f"The token is valid until {when:%d/%m/%Y} {when:%H:%M} (Asia/Ho_Chi_Minh)."
        )
