from salescore.accounts.api import router as accounts_router
from salescore.catalog.api import router as catalog_router
from salescore.core.api import build_api
from salescore.core.api_routes import router as audit_router
from salescore.customers.api import router as customers_router
from salescore.org.api import router as org_router
from salescore.pipeline.api import router as pipeline_router

api = build_api(
    title="SalesCore API",
    version="1",
    description=(
        "Every list is paginated (limit, offset). Errors share one shape: "
        '{"code", "message", "fields"}. Authenticate with your session or a personal '
        "token: Authorization: Bearer sc_... (create one under API tokens)."
    ),
)
api.add_router("/", accounts_router)
api.add_router("/", org_router)
api.add_router("/", customers_router)
api.add_router("/", pipeline_router)
api.add_router("/", catalog_router)
api.add_router("/", "salescore.leads.api.router")
api.add_router("/", "salescore.campaigns.api.router")
api.add_router("/", "salescore.imports.api.router")
api.add_router("/", "salescore.service.api.router")
api.add_router("/", "salescore.orders.api.router")
api.add_router("/", "salescore.planning.api.router")
api.add_router("/", audit_router)
