from django.urls import path

from motcua.core import converters  # noqa: F401 - registers <dossier:…>

from . import desk_views, views

app_name = "feedback"
urlpatterns: list = [
    path("danh-gia/<dossier:code>/", views.rate, name="rate"),
    # before the dossier pages below: "man-hinh-quay" is no dossier code (codes hold dots and dashes)
    path("staff/danh-gia/man-hinh-quay/", views.counter_display, name="counter_display"),
    path("staff/quay/", desk_views.desk_list, name="desks"),
    path("staff/quay/them/", desk_views.desk_create, name="desk_create"),
    path("staff/quay/roi-quay/", desk_views.desk_leave, name="desk_leave"),
    path("staff/quay/<int:pk>/ngoi-quay/", desk_views.desk_sit, name="desk_sit"),
    path("staff/quay/<int:pk>/sua/", desk_views.desk_edit, name="desk_edit"),
    path("staff/quay/<int:pk>/xoa/", desk_views.desk_delete, name="desk_delete"),
    path("staff/quay/<int:pk>/trang-thai/", desk_views.desk_toggle, name="desk_toggle"),
    path("staff/quay/<int:pk>/gan-may/", desk_views.device_pair, name="device_pair"),
    path("staff/quay/may/<int:pk>/go/", desk_views.device_revoke, name="device_revoke"),
    path("quay/man-hinh/", desk_views.screen, name="desk_screen"),
    path("staff/danh-gia/<dossier:code>/qr/", views.rate_qr, name="rate_qr"),
    path("staff/danh-gia/<dossier:code>/", views.rate_paper, name="rate_paper"),
    path("phan-anh/", views.submit, name="submit"),
    path("phan-anh/cua-toi/", views.mine, name="mine"),
    path("phan-anh/cua-toi/<str:reference>/", views.mine_detail, name="mine_detail"),
    path("phan-anh/danh-gia/<str:token>/", views.evaluate_link, name="evaluate_link"),
    path("phan-anh/cong-khai/", views.public_list, name="public"),
    path("staff/phan-anh/", views.staff_list, name="staff_list"),
    path("staff/phan-anh/<str:reference>/", views.staff_detail, name="staff_detail"),
]
