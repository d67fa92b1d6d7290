from django.urls import path

from . import desk_views, views, workspace_views

app_name = "deputies"

urlpatterns = [
    path("", views.index, name="index"),
    path("my-bookings/", views.my_bookings, name="my_bookings"),
    path("bookings/<int:pk>/cancel/", views.cancel_booking, name="cancel_booking"),
    path("sessions/<int:pk>/desk/", desk_views.desk, name="desk"),
    path("sessions/<int:pk>/desk.json", desk_views.desk_counts, name="desk_counts"),
    path("sessions/<int:pk>/desk/<int:booking>/<slug:step>/", desk_views.desk_step,
         name="desk_step"),
    path("stations/", views.station_list, name="stations"),
    path("stations/<slug:code>/", views.station_detail, name="station"),
    path("<int:pk>/", views.deputy_detail, name="deputy"),
    path("<int:pk>/report/<int:year>/", workspace_views.annual_report, name="annual_report"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/book/", views.book, name="book"),
    path("sessions/<int:pk>/call-next/", views.call_next, name="call_next"),
    path("sessions/<int:pk>/room/<int:booking>/", views.room, name="room"),
    path("sessions/<int:pk>/room/<int:booking>/live.json", views.room_live, name="room_live"),
    path("weeks/", views.weeks, name="weeks"),
    path("qr/<slug:kind>/<slug:key>.svg", views.qr_code, name="qr"),
    path("my-receptions/", workspace_views.my_schedule, name="my_schedule"),
    path("my-duties/", workspace_views.my_duties, name="my_duties"),
    path("my-duties/events/<int:pk>/", workspace_views.join_event, name="join_event"),
    path("my-profile/", workspace_views.my_profile, name="my_profile"),
    path("my-suggestions/", workspace_views.my_suggestions, name="my_suggestions"),
    path("duties-to-confirm/", workspace_views.confirm_queue, name="confirm_queue"),
    path("schedule/", workspace_views.schedule, name="schedule"),
    path("evaluation/", workspace_views.evaluation, name="evaluation"),
    path("manage-weeks/", workspace_views.manage_weeks, name="manage_weeks"),
]
