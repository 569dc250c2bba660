from django.urls import path

from . import views

app_name = "reports"
urlpatterns: list = [
    path("thong-ke/", views.public_stats, name="public"),
    path("thong-ke/lanh-dao/", views.leader_dashboard, name="leader"),
    path("thong-ke/giam-sat/", views.overseer_dashboard, name="overseer"),
    path("thong-ke/ho-so/", views.dossier_list, name="dossiers"),
    path("thong-ke/danh-gia/", views.rating_list, name="ratings"),
]
