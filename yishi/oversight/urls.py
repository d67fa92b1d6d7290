from django.urls import path

from . import views

app_name = "oversight"

urlpatterns = [
    path("", views.index, name="index"),
    path("assignments/", views.assignments, name="assignments"),
    path("tasks/new/", views.task_new, name="task_new"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/<slug:name>/", views.assignment_action, name="assignment_action"),
    path("guidance/", views.guidance, name="guidance"),
    path("visits/<int:pk>/", views.visit_detail, name="visit"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/<slug:name>/", views.report_action, name="report_action"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/<int:year>/", views.dashboard, name="dashboard_year"),
    path("dashboard/<int:year>.xlsx", views.dashboard_xlsx, name="dashboard_xlsx"),
    path("dashboard/<int:year>/<slug:key>/<slug:code>/", views.dashboard_drill,
         name="dashboard_drill"),
]

# The "886" rules library, bimonthly meetings, joint supervision and service guarantee.
from . import rules_views  # noqa: E402

urlpatterns += rules_views.urlpatterns
from . import joint_views, meetings_views, support_views  # noqa: E402

urlpatterns += meetings_views.urlpatterns + joint_views.urlpatterns + support_views.urlpatterns
# --- evaluation (考评激励) --------------------------------------------------------------------
from . import evaluation_views  # noqa: E402

urlpatterns += [
    path("evaluation/", evaluation_views.index, name="evaluation"),
    path("evaluation/<int:year>/", evaluation_views.scheme_detail, name="evaluation_scheme"),
    path("evaluation/<int:year>/do/<slug:name>/", evaluation_views.scheme_action,
         name="evaluation_action"),
    path("evaluation/<int:year>/streets/<slug:code>/", evaluation_views.card,
         name="evaluation_card"),
    path("evaluation/<int:year>/streets/<slug:code>/<int:pk>/",
         evaluation_views.score_records, name="evaluation_records"),
    path("evaluation/<int:year>/streets/<slug:code>/<int:pk>/<slug:name>/",
         evaluation_views.score_action, name="evaluation_score"),
]
