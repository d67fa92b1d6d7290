from django.urls import path

from . import desk_views, district_views, manage_views, views

app_name = "councils"

urlpatterns = [
    path("", views.index, name="index"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar.ics", views.calendar_ics, name="calendar_ics"),
    path("calls/", views.call_list, name="calls"),
    path("calls.csv", views.calls_csv, name="calls_csv"),
    path("calls/new/", views.call_new, name="call_new"),
    path("calls/<int:pk>/", views.call_detail, name="call"),
    path("calls/<int:pk>/support/", views.call_support, name="call_support"),
    path("round-tables/<int:pk>/", views.round_table_detail, name="round_table"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/answer/", views.answer, name="answer"),
    path("meetings/<int:pk>/sign-in/", views.online_sign_in, name="online_sign_in"),
    path("meetings/<int:pk>/items/<int:item_pk>/opinion/", views.item_opinion,
         name="item_opinion"),
    path("meetings/<int:pk>/items/<int:item_pk>/vote/", views.vote, name="vote"),
    path("invitations/<int:pk>/", views.invitation, name="invitation"),
    path("my-meetings/", views.my_meetings, name="my_meetings"),
    path("manage/", manage_views.manage, name="manage"),
    path("manage/meetings/<int:pk>/", manage_views.meeting_manage, name="meeting_manage"),
    path("manage/meetings/<int:pk>/do/<slug:name>/", manage_views.meeting_step,
         name="meeting_step"),
    path("manage/meetings/<int:pk>/items/<int:item_pk>/do/<slug:name>/", manage_views.item_step,
         name="item_step"),
    path("manage/meetings/<int:pk>/desk/", desk_views.desk, name="desk"),
    path("manage/meetings/<int:pk>/desk/count.json", desk_views.desk_count, name="desk_count"),
    path("manage/district/new/", district_views.batch_new, name="batch_new"),
    path("district/<int:pk>/", district_views.batch_detail, name="batch"),
    path("manage/<slug:code>/members/", manage_views.members, name="members"),
    path("manage/<slug:code>/members/template.xlsx", manage_views.import_template,
         name="import_template"),
    path("manage/<slug:code>/meetings/new/", manage_views.meeting_new, name="meeting_new"),
    path("manage/<slug:code>/round-tables/new/", manage_views.round_table_new,
         name="round_table_new"),
    path("<slug:code>/", views.council_detail, name="council"),
    path("<slug:code>/roster.csv", views.roster_csv, name="roster_csv"),
    path("<slug:code>/resolutions.csv", views.resolutions_csv, name="resolutions_csv"),
]
