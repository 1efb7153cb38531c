from django.urls import path

from salescore.catalog import views, views_price_lists

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
    path("catalog/price-lists/", views_price_lists.price_lists, name="price_lists"),
    path("catalog/price-lists/new/", views_price_lists.price_list_create, name="price_list_create"),
    path(
        "catalog/price-lists/items/preview/",
        views_price_lists.price_list_items_preview,
        name="price_list_items_preview",
    ),
    path("catalog/price-lists/<int:pk>/", views_price_lists.price_list_detail, name="price_list_detail"),
    path("catalog/price-lists/<int:pk>/edit/", views_price_lists.price_list_edit, name="price_list_edit"),
    path(
        "catalog/price-lists/<int:pk>/delete/", views_price_lists.price_list_delete, name="price_list_delete"
    ),
]
