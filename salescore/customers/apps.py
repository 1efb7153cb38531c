from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "salescore.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from salescore.core.pickers import register_picker
        from salescore.customers import (
            importers,  # noqa: F401  (rows from a file: salescore.imports)
            queues,  # noqa: F401  (menu, queues, recycle bin)
            selectors,
        )

        # Choosing a customer in a form: the ones this user may see matching name, code or phone.
        register_picker("customer", lambda user, q: selectors.customer_list(user=user, q=q, order="name"))
