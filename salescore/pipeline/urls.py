from django.urls import path

from salescore.pipeline import views

app_name = "pipeline"
urlpatterns = [
    path("pipeline/", views.board, name="board"),
    path("activities/", views.activities, name="activities"),
]
