from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "motcua.community"
    verbose_name = "Tổ công nghệ số cộng đồng"
