"""`motcua demo`: load the demo organisation, accounts, catalogue and dossiers (idempotent), then print
the demo accounts."""

import importlib
import importlib.util
import os

from django.core.management.base import BaseCommand

from motcua.org import demo as org_demo

# Demo loaders of other apps, run in this order after the organisation; each module exposes
# load(stdout=...) and must itself be idempotent. A module that does not exist yet is skipped.
LOADERS = [
    ("motcua.portal.demo", "hồ sơ công dân (citizen profile)"),
    ("motcua.catalog.demo", "danh mục thủ tục (catalogue)"),
    ("motcua.dossiers.demo", "hồ sơ mẫu (dossiers)"),
    ("motcua.community.demo", "tổ công nghệ số cộng đồng (community teams)"),
]


class Command(BaseCommand):
    help = "Nạp dữ liệu demo (cơ quan, tài khoản, thủ tục, hồ sơ) — chạy lại không tạo trùng."

    def handle(self, *args, **options):
        org_demo.load(stdout=self.stdout)
        for module_name, label in LOADERS:
            if importlib.util.find_spec(module_name) is None:
                self.stdout.write(f"Bỏ qua {label}: chưa có {module_name}.")
                continue
            module = importlib.import_module(module_name)
            module.load(stdout=self.stdout)

        port = os.environ.get("PORT") or "8000"
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Tài khoản demo (demo accounts):"))
        extra = []
        if importlib.util.find_spec("motcua.community.demo") is not None:
            extra = importlib.import_module("motcua.community.demo").account_rows()
        self.stdout.write(org_demo.accounts_table(extra))
        self.stdout.write("")
        self.stdout.write(f"Mở http://127.0.0.1:{port}  (quản trị: http://127.0.0.1:{port}/admin/)")
