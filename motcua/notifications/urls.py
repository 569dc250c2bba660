from django.urls import path

from . import views

app_name = "notifications"
urlpatterns: list = [
    path("staff/thong-bao/<int:pk>/gui-lai/", views.resend, name="resend"),
]
