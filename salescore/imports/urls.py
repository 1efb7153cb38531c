from django.urls import path

from salescore.imports import views

app_name = "imports"
urlpatterns = [
    path("imports/", views.job_list, name="list"),
    path("imports/new/", views.job_create, name="create"),
    path("imports/templates/<str:kind>.<str:file_format>", views.template_file, name="template"),
    path("imports/<int:pk>/", views.job_detail, name="detail"),
    path("imports/<int:pk>/mapping/", views.job_mapping, name="mapping"),
    path("imports/<int:pk>/check/", views.job_check, name="check"),
    path("imports/<int:pk>/run/", views.job_run, name="run"),
    path("imports/<int:pk>/progress/", views.job_progress, name="progress"),
    path("imports/<int:pk>/problems/", views.job_errors, name="errors"),
    path("imports/<int:pk>/delete/", views.job_delete, name="delete"),
]
