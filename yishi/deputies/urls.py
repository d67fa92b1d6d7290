from django.urls import path

from . import views

app_name = "deputies"

urlpatterns = [
    path("stations/", views.station_list, name="stations"),
    path("stations/<slug:code>/", views.station_detail, name="station"),
    path("<int:pk>/", views.deputy_detail, name="deputy"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/book/", views.book, name="book"),
    path("qr/<slug:kind>/<slug:key>.svg", views.qr_code, name="qr"),
    path("my-duties/", views.my_duties, name="my_duties"),
    path("duties-to-confirm/", views.confirm_queue, name="confirm_queue"),
]
