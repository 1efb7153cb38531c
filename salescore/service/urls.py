from django.urls import path

from salescore.service import views, views_public, views_visits

app_name = "service"
urlpatterns = [
    path("service/tickets/", views.ticket_list, name="tickets"),
    path("service/tickets/new/", views.ticket_create, name="ticket_create"),
    path("service/tickets/customer-choices/", views.customer_choices, name="customer_choices"),
    path("service/tickets/<int:pk>/", views.ticket_detail, name="ticket_detail"),
    path("service/tickets/<int:pk>/log/", views.ticket_log, name="ticket_log"),
    path("service/tickets/<int:pk>/assign/", views.ticket_assign, name="ticket_assign"),
    path("service/tickets/<int:pk>/escalate/", views.ticket_escalate, name="ticket_escalate"),
    path("service/tickets/<int:pk>/wait/", views.ticket_wait, name="ticket_wait"),
    path("service/tickets/<int:pk>/resolve/", views.ticket_resolve, name="ticket_resolve"),
    path("service/tickets/<int:pk>/close/", views.ticket_close, name="ticket_close"),
    path("service/tickets/<int:pk>/reopen/", views.ticket_reopen, name="ticket_reopen"),
    path("service/tickets/<int:pk>/delete/", views.ticket_delete, name="ticket_delete"),
    path("service/customers/<int:pk>/", views.customer_card, name="customer_card"),
    path("service/customers/<int:pk>/link/", views.service_link_create, name="link_create"),
    path("service/customers/<int:pk>/link/revoke/", views.service_link_revoke, name="link_revoke"),
    path("service/visits/", views_visits.visit_list, name="visits"),
    path("service/visits/<int:pk>/", views_visits.visit_record, name="visit_record"),
    path("service/visits/<int:pk>/reschedule/", views_visits.visit_reschedule, name="visit_reschedule"),
    path("service/satisfaction/", views_visits.satisfaction, name="satisfaction"),
    path("service/ratings/", views_visits.rating_list, name="ratings"),
    path("service/settings/", views_visits.service_config, name="config"),
    # Public pages: the customer's links, no login.
    path("service/s/<str:token>/", views_public.report, name="report"),
    path("service/r/<str:token>/", views_public.rate, name="rate"),
]
