from django.urls import path

from salescore.leads import views, views_export, views_privacy

app_name = "leads"
urlpatterns = [
    path("leads/", views.lead_list, name="list"),
    path("leads/new/", views.lead_create, name="create"),
    path("leads/export/", views_export.lead_export, name="export"),
    path("leads/rules/", views.rules, name="rules"),
    path("leads/rules/<int:pk>/edit/", views.rule_edit, name="rule_edit"),
    path("leads/policy/", views.policy, name="policy"),
    path("leads/<int:pk>/", views.lead_detail, name="detail"),
    path("leads/<int:pk>/edit/", views.lead_edit, name="edit"),
    path("leads/<int:pk>/touches/", views.lead_touch, name="touch"),
    path("leads/<int:pk>/qualify/", views.lead_qualify, name="qualify"),
    path("leads/<int:pk>/disqualify/", views.lead_disqualify, name="disqualify"),
    path("leads/<int:pk>/assign/", views.lead_assign, name="assign"),
    path("leads/<int:pk>/convert/", views.lead_convert, name="convert"),
    path("leads/<int:pk>/delete/", views.lead_delete, name="delete"),
    path("leads/<int:pk>/reveal/<str:field>/", views_privacy.lead_reveal, name="reveal"),
]
