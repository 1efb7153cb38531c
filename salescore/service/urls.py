from django.urls import path

from salescore.service import views, views_public

app_name = "service"
urlpatterns = [
    path("service/tickets/<int:pk>/", views.ticket_detail, name="ticket_detail"),
    # Public pages: the customer's links, no login.
    path("service/s/<str:token>/", views_public.report, name="report"),
    path("service/r/<str:token>/", views_public.rate, name="rate"),
]
