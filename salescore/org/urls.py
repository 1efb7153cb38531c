from django.urls import path

from salescore.org import views

app_name = "org"
urlpatterns = [
    path("org/", views.tree, name="tree"),
    path("org/units/new/", views.unit_create, name="unit_create"),
    path("org/units/<int:pk>/", views.unit_detail, name="unit_detail"),
    path("org/units/<int:pk>/edit/", views.unit_edit, name="unit_edit"),
    path("org/units/<int:pk>/delete/", views.unit_delete, name="unit_delete"),
    path("people/", views.people, name="people"),
    path("people/export.csv", views.people_export, name="people_export"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:pk>/delete/", views.person_delete, name="person_delete"),
    path("people/<int:pk>/unlock/", views.person_unlock, name="person_unlock"),
    path("regions/", views.regions, name="regions"),
    path("regions/new/", views.region_create, name="region_create"),
    path("regions/<int:pk>/edit/", views.region_edit, name="region_edit"),
    path("regions/<int:pk>/delete/", views.region_delete, name="region_delete"),
]
