from django.urls import path

from salescore.pipeline import views, views_export

app_name = "pipeline"
urlpatterns = [
    path("pipeline/", views.board, name="board"),
    path("pipeline/stages/<int:stage>/cards/", views.board_more, name="board_more"),
    path("pipeline/opportunities/", views.opportunity_list, name="opportunities"),
    path("pipeline/opportunities/export/", views_export.opportunity_export, name="opportunity_export"),
    path("pipeline/opportunities/new/", views.opportunity_create, name="opportunity_create"),
    path("pipeline/opportunities/<int:pk>/", views.opportunity_detail, name="opportunity_detail"),
    path("pipeline/opportunities/<int:pk>/edit/", views.opportunity_edit, name="opportunity_edit"),
    path("pipeline/opportunities/<int:pk>/move/", views.opportunity_move, name="opportunity_move"),
    path("pipeline/opportunities/<int:pk>/reopen/", views.opportunity_reopen, name="opportunity_reopen"),
    path("pipeline/opportunities/<int:pk>/delete/", views.opportunity_delete, name="opportunity_delete"),
    path("pipeline/opportunities/<int:pk>/needs/", views.needs_save, name="needs_save"),
    path("pipeline/opportunities/<int:pk>/propose/", views.product_propose, name="product_propose"),
    path(
        "pipeline/opportunities/<int:pk>/products/<int:line_pk>/withdraw/",
        views.product_withdraw,
        name="product_withdraw",
    ),
    path("pipeline/customer-choices/", views.customer_choices, name="customer_choices"),
    path("pipeline/customers/<int:pk>/", views.customer_section, name="customer_section"),
    path("activities/", views.activities, name="activities"),
    path("activities/export/", views_export.activity_export, name="activity_export"),
    path("activities/new/", views.activity_create, name="activity_create"),
    path("activities/<int:pk>/done/", views.activity_done, name="activity_done"),
    path("activities/<int:pk>/delete/", views.activity_delete, name="activity_delete"),
]
