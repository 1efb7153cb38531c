from django.urls import path

from salescore.leads import views

app_name = "leads"
urlpatterns = [
    path("leads/", views.lead_list, name="list"),
    path("leads/<int:pk>/", views.lead_detail, name="detail"),
]
