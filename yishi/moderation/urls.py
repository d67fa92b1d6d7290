from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("items/<int:pk>/", views.item, name="item"),
    path("items/<int:pk>/<str:action>/", views.item_action, name="item_action"),
    path("report/<int:pk>/", views.report, name="report"),
    path("words/", views.words, name="words"),
    path("words/<int:pk>/remove/", views.remove_word, name="remove_word"),
]
