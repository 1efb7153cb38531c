from django.urls import path

from salescore.customers import views, views_merge

app_name = "customers"
urlpatterns = [
    path("customers/", views.customer_list, name="list"),
    path("customers/export.csv", views.customer_export, name="export"),
    path("customers/contacts.csv", views.contact_export, name="contact_export"),
    path("customers/new/", views.customer_create, name="create"),
    path("customers/similar/", views.similar, name="similar"),
    path("customers/pool/", views.pool, name="pool"),
    path("customers/pool/policy/", views.pool_policy, name="pool_policy"),
    path("customers/<int:pk>/claim/", views.claim, name="claim"),
    path("customers/<int:pk>/release/", views.release, name="release"),
    path("customers/<int:pk>/assign/", views.assign, name="assign"),
    path("customers/<int:pk>/", views.customer_detail, name="detail"),
    path("customers/<int:pk>/merge/", views_merge.merge_pick, name="merge"),
    path("customers/<int:pk>/merge/<int:duplicate_pk>/", views_merge.merge_confirm, name="merge_confirm"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="edit"),
    path("customers/<int:pk>/delete/", views.customer_delete, name="delete"),
    path("customers/<int:pk>/collaborators/", views.collaborator_add, name="collaborator_add"),
    path(
        "customers/<int:pk>/collaborators/<int:person_pk>/remove/",
        views.collaborator_remove,
        name="collaborator_remove",
    ),
    path("customers/<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("customers/contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("customers/contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
    path("customers/contacts/<int:pk>/reveal/<str:field>/", views.contact_reveal, name="contact_reveal"),
]
