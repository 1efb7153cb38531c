from django.urls import path

from salescore.customers import views

app_name = "customers"
urlpatterns = [
    path("customers/", views.customer_list, name="list"),
]
