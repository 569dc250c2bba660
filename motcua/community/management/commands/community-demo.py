"""`motcua community-demo`: load the demo community teams of Quận Hai Bà Trưng (idempotent; needs `motcua demo`'s
organisation first)."""

from django.core.management.base import BaseCommand

from motcua.community import demo


class Command(BaseCommand):
    help = "Tạo dữ liệu demo tổ công nghệ số cộng đồng (18 phường Quận Hai Bà Trưng, 250 tổ); chạy lại không tạo trùng."

    def handle(self, *args, **options):
        demo.load(stdout=self.stdout)
