from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language

from config.api import api

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/js/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/v1/", api.urls),
    path("accounts/", include("salescore.accounts.urls")),
    path("", include("salescore.org.urls")),
    path("", include("salescore.customers.urls")),
    path("", include("salescore.pipeline.urls")),
    path("", include("salescore.pipeline.urls_config")),
    path("", include("salescore.catalog.urls")),
    path("", include("salescore.leads.urls")),
    path("", include("salescore.campaigns.urls")),
    path("", include("salescore.imports.urls")),
    path("", include("salescore.orders.urls")),
    path("", include("salescore.service.urls")),
    path("", include("salescore.planning.urls")),
    path("", include("salescore.core.urls")),
]
