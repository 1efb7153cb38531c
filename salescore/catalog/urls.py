from django.urls import path

from salescore.catalog import views

app_name = "catalog"
urlpatterns = [
    path("catalog/products/", views.products, name="products"),
    path("catalog/products/new/", views.product_create, name="product_create"),
    path("catalog/products/<int:pk>/", views.product_detail, name="product_detail"),
    path("catalog/products/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("catalog/products/<int:pk>/delete/", views.product_delete, name="product_delete"),
    path("catalog/categories/", views.categories, name="categories"),
    path("catalog/categories/new/", views.category_create, name="category_create"),
    path("catalog/categories/<int:pk>/edit/", views.category_edit, name="category_edit"),
    path("catalog/categories/<int:pk>/delete/", views.category_delete, name="category_delete"),
    path("catalog/features/", views.features, name="features"),
    path("catalog/features/new/", views.feature_create, name="feature_create"),
    path("catalog/features/<int:pk>/edit/", views.feature_edit, name="feature_edit"),
]
