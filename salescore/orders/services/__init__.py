"""Every write of quotes, orders and payment collection (split by feature, one namespace)."""

from salescore.orders.services.credits import order_credits_set  # noqa: F401
from salescore.orders.services.orders import (  # noqa: F401
    deliveries_flag,
    get_order,
    order_cancel,
    order_close,
    order_confirm,
    order_create,
    order_delete,
    order_from_quote,
    order_problems,
    order_restore,
    order_set_lines,
    order_submit,
    order_update,
    outstanding,
    pricing_problems,
    shipment_deliver,
    shipment_record,
)
from salescore.orders.services.payments import (  # noqa: F401
    payment_plan_set,
    payment_record,
    payment_reverse,
    payments_remind,
)
from salescore.orders.services.quotes import (  # noqa: F401
    approval_decide,
    can_decide,
    find_approver,
    quote_create,
    quote_delete,
    quote_duplicate,
    quote_mark,
    quote_requirement,
    quote_restore,
    quote_revise,
    quote_set_lines,
    quote_submit,
    quote_update,
    quote_withdraw,
)
