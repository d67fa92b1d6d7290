from django.urls import path

from . import manage_views, tellers, tender_views, views

app_name = "projects"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("list/", views.project_list, name="list"),
    path("list.csv", views.list_csv, name="list_csv"),
    path("list.xlsx", views.list_xlsx, name="list_xlsx"),
    path("map/", views.project_map, name="map"),
    path("propose/", views.propose_start, name="propose_start"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle"),
    path("cycles/<int:pk>/propose/", views.propose, name="propose"),
    path("cycles/<int:pk>/object/", views.object_view, name="object"),
    path("cycles/<int:pk>/objections.csv", views.objections_csv, name="objections_csv"),
    path("manage/", manage_views.manage_list, name="manage_list"),
    path("manage/import/", manage_views.import_view, name="import"),
    path("manage/cycles/<int:pk>/", manage_views.manage_cycle, name="manage_cycle"),
    path("manage/cycles/<int:pk>/tellers/", tellers.manage_cycle_tellers,
         name="manage_cycle_tellers"),
    path("manage/cycles/<int:pk>/answer/", manage_views.answer_objection,
         name="answer_objection"),
    path("manage/cycles/<int:pk>/<slug:action>/", manage_views.cycle_step,
         name="manage_cycle_action"),
    path("manage/projects/<int:pk>/", manage_views.manage_project, name="manage_project"),
    path("manage/projects/<int:pk>/<slug:action>/", manage_views.project_step,
         name="manage_project_action"),
    path("manage/tenders/<int:pk>/", tender_views.manage_tender, name="manage_tender"),
    path("manage/tenders/<int:pk>/<slug:action>/", tender_views.manage_tender_action,
         name="manage_tender_action"),
    path("tenders/<int:pk>/", tender_views.tender_detail, name="tender"),
    path("tenders/<int:pk>/score/", tender_views.score_sheet, name="score"),
    path("tenders/<int:pk>/object/", tender_views.tender_object, name="tender_object"),
    path("tenders/<int:pk>/versions/<int:version>/comment/", tender_views.tender_comment,
         name="tender_comment"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/comment/", views.comment_view, name="comment"),
    path("<int:pk>/follow/", views.follow_view, name="follow"),
    path("<int:pk>/visit/", views.visit_view, name="visit"),
    path("<int:pk>/review/", views.review_view, name="review"),
]
