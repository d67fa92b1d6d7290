from django.urls import path

from . import views

app_name = "voting"

urlpatterns = [
    path("", views.ballot_list, name="list"),
    path("manage/", views.manage_list, name="manage_list"),
    path("manage/new/", views.manage_create, name="manage_create"),
    path("manage/import/", views.manage_import, name="manage_import"),
    path("manage/<uuid:public_id>/", views.manage_detail, name="manage"),
    path("manage/<uuid:public_id>/roll/", views.manage_roll, name="manage_roll"),
    path("manage/<uuid:public_id>/<slug:action>/", views.manage_action, name="manage_action"),
    path("<uuid:public_id>/", views.ballot_detail, name="detail"),
    path("<uuid:public_id>/receipt/", views.receipt_view, name="receipt"),
    path("<uuid:public_id>/teller/", views.teller_view, name="teller"),
    path("<uuid:public_id>/results/", views.results_view, name="results"),
    path("<uuid:public_id>/board/", views.board_view, name="board"),
    path("<uuid:public_id>/board.json", views.board_json, name="board_json"),
    path("<uuid:public_id>/ballot.pb", views.ballot_pb, name="ballot_pb"),
]
