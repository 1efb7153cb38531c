from django.urls import path

from salescore.core import pickers, views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("pick/<str:kind>/", pickers.pick, name="pick"),
    path("history/<str:model>/<int:pk>/", views.history, name="history"),
    path("audit/", views.audit_log, name="audit_log"),
    path("trash/", views.trash, name="trash"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_read, name="inbox_read"),
    path("trash/<str:model>/<int:pk>/restore/", views.restore, name="restore"),
]
