from django.urls import path

from . import views

app_name = "feedback"
urlpatterns: list = [
    path("danh-gia/<str:code>/", views.rate, name="rate"),
    # before the dossier pages below: "man-hinh-quay" is no dossier code (codes hold dots and dashes)
    path("staff/danh-gia/man-hinh-quay/", views.counter_display, name="counter_display"),
    path("staff/danh-gia/<str:code>/", views.rate_paper, name="rate_paper"),
    path("staff/danh-gia/<str:code>/qr/", views.rate_qr, name="rate_qr"),
    path("phan-anh/", views.submit, name="submit"),
    path("phan-anh/cua-toi/", views.mine, name="mine"),
    path("phan-anh/cong-khai/", views.public_list, name="public"),
    path("staff/phan-anh/", views.staff_list, name="staff_list"),
    path("staff/phan-anh/<str:reference>/", views.staff_detail, name="staff_detail"),
]
