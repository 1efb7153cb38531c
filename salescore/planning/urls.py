from django.urls import path

from salescore.planning import views_dashboard, views_plans, views_reports, views_targets

app_name = "planning"
urlpatterns = [
    path("targets/", views_targets.target_list, name="targets"),
    path("targets/new/", views_targets.target_create, name="target_create"),
    path("targets/<int:pk>/", views_targets.target_detail, name="target_detail"),
    path("targets/<int:pk>/split/", views_targets.target_split, name="target_split"),
    path("targets/<int:pk>/approve/", views_targets.target_approve, name="target_approve"),
    path("targets/<int:pk>/revise/", views_targets.target_revise, name="target_revise"),
    path("targets/<int:pk>/delete/", views_targets.target_delete, name="target_delete"),
    path("targets/revisions/", views_targets.revisions, name="revisions"),
    path("targets/revisions/<int:pk>/decide/", views_targets.revision_decide, name="revision_decide"),
    path("targets/<int:target_pk>/plans/new/", views_plans.plan_create, name="plan_create"),
    path("market-sizes/", views_targets.market_sizes, name="market_sizes"),
    path("sales-dashboard/", views_dashboard.dashboard, name="dashboard"),
    path("plans/", views_plans.plan_list, name="plans"),
    path("plans/<int:pk>/", views_plans.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/steps/", views_plans.step_save, name="step_create"),
    path("plans/<int:pk>/steps/<int:step_pk>/", views_plans.step_save, name="step_save"),
    path("plans/<int:pk>/steps/<int:step_pk>/delete/", views_plans.step_delete, name="step_delete"),
    path("plans/<int:pk>/submit/", views_plans.plan_submit, name="plan_submit"),
    path("plans/<int:pk>/decide/", views_plans.plan_decide, name="plan_decide"),
    path("plans/<int:pk>/status/", views_plans.plan_status, name="plan_status"),
    path("progress-reports/", views_reports.my_reports, name="my_reports"),
    path("progress-reports/start/", views_reports.report_start, name="report_start"),
    path("progress-reports/inbox/", views_reports.report_inbox, name="report_inbox"),
    path("progress-reports/<int:pk>/", views_reports.report_detail, name="report_detail"),
]
