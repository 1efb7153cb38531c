from django.urls import path

from salescore.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("history/<str:model>/<int:pk>/", views.history, name="history"),
    path("audit/", views.audit_log, name="audit_log"),
    path("trash/", views.trash, name="trash"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_read, name="inbox_read"),
    path("trash/<str:model>/<int:pk>/restore/", views.restore, name="restore"),
]
