from django.urls import path

from salescore.orders import views_approvals, views_orders, views_quotes

app_name = "orders"
urlpatterns = [
    path("quotes/<int:pk>/", views_quotes.quote_detail, name="quote_detail"),
    path("orders/<int:pk>/", views_orders.order_detail, name="order_detail"),
    path("approvals/", views_approvals.approval_queue, name="approval_queue"),
]
