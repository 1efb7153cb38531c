"""Every write to the product catalogue: categories, features and products (catalogue.py), and
the price lists (price_lists.py). One namespace: ``from salescore.catalog import services``."""

from salescore.catalog.services.catalogue import (  # noqa: F401
    PRODUCT_FIELDS,
    category_create,
    category_delete,
    category_restore,
    category_update,
    feature_create,
    feature_update,
    product_create,
    product_delete,
    product_restore,
    product_update,
)
from salescore.catalog.services.price_lists import (  # noqa: F401
    MAX_ITEMS,
    PRICE_LIST_FIELDS,
    PRICE_LIST_READERS,
    parse_items,
    price_list_create,
    price_list_delete,
    price_list_remove_item,
    price_list_restore,
    price_list_set_items,
    price_list_update,
    require_price_list_reader,
)
