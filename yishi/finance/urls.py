from django.urls import path

from . import asset_item_views, asset_views, manage_views, views, warning_views

app_name = "finance"

Y = "<slug:code>/<int:year>"
A = "<slug:code>/assets"
C = f"{A}/campaigns/<int:pk>"

urlpatterns = [
    path("", views.index, name="index"),
    path("workspace/", manage_views.workspace, name="workspace"),
    path("crosswalk/", manage_views.crosswalk, name="crosswalk"),
    path("templates/<slug:kind>.<slug:fmt>", views.template, name="template"),
    path("questions/<int:pk>/answer/", manage_views.answer, name="answer"),
    path("warnings/", warning_views.warnings, name="warnings"),
    path("warnings/<int:pk>/respond/", warning_views.respond, name="respond"),
    path("warnings/rules/", warning_views.warning_rules, name="warning_rules"),
    path("<slug:code>/", views.street, name="street"),
    path(f"{A}/", asset_views.register, name="assets"),
    path(f"{A}/download.<slug:fmt>", asset_views.register_download, name="assets_download"),
    path(f"{A}/add/", asset_views.add_asset, name="add_asset"),
    path(f"{A}/<int:pk>/", asset_item_views.asset, name="asset"),
    path(f"{A}/<int:pk>/history.<slug:fmt>", asset_item_views.history_download,
         name="asset_history"),
    path(f"{A}/<int:pk>/change/", asset_item_views.change, name="change_asset"),
    path(f"{A}/<int:pk>/lease/", asset_item_views.lease, name="lease_asset"),
    path(f"{A}/<int:pk>/disposal/", asset_item_views.request_disposal, name="request_disposal"),
    path(f"{A}/<int:pk>/disposal/<int:disposal>/<slug:step>/",
         asset_item_views.decide_disposal, name="decide_disposal"),
    path(f"{A}/campaigns/open/", asset_views.open_campaign, name="open_campaign"),
    path(f"{C}/", asset_views.campaign, name="campaign"),
    path(f"{C}/report.<slug:fmt>", asset_views.report_download, name="campaign_report"),
    path(f"{C}/findings/", asset_views.record_finding, name="record_finding"),
    path(f"{C}/findings/<int:finding>/<slug:decision>/", asset_views.decide, name="decide"),
    path(f"{C}/members/<slug:part>/", asset_views.add_member, name="add_member"),
    path(f"{C}/agenda/", asset_views.place_on_agenda, name="campaign_agenda"),
    path(f"{C}/publish/", asset_views.publish, name="publish_campaign"),
    path(f"{C}/<slug:name>/", asset_views.step, name="campaign_step"),
    path(f"{Y}/", views.budget, name="budget"),
    path(f"{Y}/lines/<slug:line_code>/", views.line, name="line"),
    path(f"{Y}/lines/<slug:line_code>/ask/", manage_views.ask, name="ask"),
    path(f"{Y}/final/", views.final_accounts, name="final"),
    path(f"{Y}/economic/", views.economic, name="economic"),
    path(f"{Y}/three-public/", views.three_public, name="three_public"),
    path(f"{Y}/compare/", views.compare, name="compare"),
    path(f"{Y}/download/<slug:table>.<slug:fmt>", views.download, name="download"),
    path(f"{Y}/datapackage.zip", views.datapackage, name="datapackage"),
    path(f"{Y}/manage/", manage_views.manage, name="manage"),
    path(f"{Y}/manage/import/<slug:kind>/", manage_views.upload, name="upload"),
    path(f"{Y}/manage/final-template.<slug:fmt>", manage_views.final_template,
         name="final_template"),
    path(f"{Y}/manage/submit/", manage_views.submit_review, name="submit_review"),
    path(f"{Y}/manage/approve/", manage_views.approve, name="approve"),
    path(f"{Y}/manage/adjust/", manage_views.adjust, name="adjust"),
    path(f"{Y}/manage/<slug:name>/", manage_views.step, name="step"),
]
