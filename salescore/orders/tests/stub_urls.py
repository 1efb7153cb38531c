"""Stand-in names for the orders pages while they are built (see factories.orders_urls)."""

from django.http import HttpResponse
from django.urls import include, path

from config.urls import urlpatterns as site


def _page(request, *args, **kwargs):
    return HttpResponse("")


orders = (
    [
        path("orders/<int:pk>/", _page, name="order_detail"),
        path("quotes/<int:pk>/", _page, name="quote_detail"),
        path("approvals/", _page, name="approval_queue"),
    ],
    "orders",
)
urlpatterns = [*site, path("", include(orders))]
