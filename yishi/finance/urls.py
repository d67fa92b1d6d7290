from django.urls import path

from . import manage_views, views, warning_views

app_name = "finance"

Y = "<slug:code>/<int:year>"

urlpatterns = [
    path("", views.index, name="index"),
    path("workspace/", manage_views.workspace, name="workspace"),
    path("templates/<slug:kind>.<slug:fmt>", views.template, name="template"),
    path("questions/<int:pk>/answer/", manage_views.answer, name="answer"),
    path("warnings/", warning_views.warnings, name="warnings"),
    path("warnings/<int:pk>/respond/", warning_views.respond, name="respond"),
    path("warnings/rules/", warning_views.warning_rules, name="warning_rules"),
    path("<slug:code>/", views.street, name="street"),
    path(f"{Y}/", views.budget, name="budget"),
    path(f"{Y}/lines/<slug:line_code>/", views.line, name="line"),
    path(f"{Y}/lines/<slug:line_code>/ask/", manage_views.ask, name="ask"),
    path(f"{Y}/economic/", views.economic, name="economic"),
    path(f"{Y}/three-public/", views.three_public, name="three_public"),
    path(f"{Y}/compare/", views.compare, name="compare"),
    path(f"{Y}/download/<slug:table>.<slug:fmt>", views.download, name="download"),
    path(f"{Y}/datapackage.zip", views.datapackage, name="datapackage"),
    path(f"{Y}/manage/", manage_views.manage, name="manage"),
    path(f"{Y}/manage/import/<slug:kind>/", manage_views.upload, name="upload"),
    path(f"{Y}/manage/submit/", manage_views.submit_review, name="submit_review"),
    path(f"{Y}/manage/approve/", manage_views.approve, name="approve"),
    path(f"{Y}/manage/adjust/", manage_views.adjust, name="adjust"),
    path(f"{Y}/manage/<slug:name>/", manage_views.step, name="step"),
]
