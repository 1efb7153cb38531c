from django.urls import path

from salescore.pipeline import views_config

app_name = "pipeline_config"
urlpatterns = [
    path("process/stages/", views_config.stages, name="stages"),
    path("process/stages/<int:pk>/", views_config.stage_save, name="stage_save"),
    path("process/scripts/", views_config.scripts, name="scripts"),
    path("process/scripts/new/", views_config.script_create, name="script_create"),
    path("process/scripts/<int:pk>/edit/", views_config.script_edit, name="script_edit"),
    path("process/scripts/<int:pk>/delete/", views_config.script_delete, name="script_delete"),
]
