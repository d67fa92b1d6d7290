from django.urls import path

from . import handoff_views, stats_views, views

app_name = "opinions"

urlpatterns = [
    path("", views.board, name="board"),
    path("new/", views.submit, name="submit"),
    path("export.csv", views.board_csv, name="board_csv"),
    path("statistics/", stats_views.statistics, name="statistics"),
    path("mine/", views.mine, name="mine"),
    path("record/", views.record, name="record"),
    path("manage/", views.queue, name="queue"),
    path("case-systems/", handoff_views.connections, name="case_systems"),
    path("case-systems/<uuid:key>/<slug:action>/", handoff_views.connection_action,
         name="case_system_action"),
    path("manage/<str:number>/deliveries/<int:delivery>/resend/", handoff_views.resend,
         name="case_delivery_resend"),
    path("manage/<str:number>/", views.manage, name="manage"),
    path("manage/<str:number>/<slug:action>/", views.manage_action, name="manage_action"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/rate/", views.rate, name="rate"),
    path("<str:number>/support/", views.support, name="support"),
    path("<str:number>/follow/", views.follow, name="follow"),
]
