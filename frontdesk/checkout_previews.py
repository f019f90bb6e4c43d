"""What the checkout screen shows while the desk types, before anything is saved: the
line's price and total, the change from cash, the clients a name or phone finds. Each is
one small partial at one query or none (issue #14), from the owning app's own rules."""

from django.template.response import TemplateResponse

from clients.models import Client
from clients.selectors import client_search
from frontdesk import checkout_input as typed
from salon.admin_pages import permission_require
from salon.errors import DomainError
from tickets.lines import line_net_amount
from tickets.models import Payment, PaymentMethod
from tickets.payments import cash_tendered_check

CLIENTS_FOUND = 8


def line_preview_view(request, ticket_id):
    """The price and net of the line being typed, before it is added: one query (the
    item). Only the item's price is read; the figures come from tickets' own rounding."""
    permission_require(request, "tickets.view_ticket")
    item = typed.item_chosen(request.GET.get("item", ""))
    context = {"item": item, "error": ""}
    if item is not None:
        try:
            unit_price = typed.money(
                request.GET.get("unit_price"), field="unit_price", label="The price"
            )
            figures = typed.line_figures(request.GET)
            unit_price = item.price if unit_price is None else unit_price
            context.update(
                unit_price=unit_price,
                net=line_net_amount(
                    quantity=figures["quantity"],
                    unit_price=unit_price,
                    discount_amount=figures["discount_amount"],
                    discount_percent=figures["discount_percent"],
                ),
            )
        except DomainError as refused:
            context["error"] = refused.message
    return TemplateResponse(request, "admin/frontdesk/checkout_line_preview.html", context)


def change_preview_view(request, ticket_id):
    """The change due on the cash being typed (R47): no query; tickets' own check says
    when the cash handed over is short."""
    permission_require(request, "tickets.view_ticket")
    context = {"change": None, "error": ""}
    if request.GET.get("method") == PaymentMethod.CASH:
        try:
            amount = typed.money(request.GET.get("amount"), field="amount", label="The amount")
            tendered = typed.money(
                request.GET.get("tendered"), field="tendered", label="The cash handed over"
            )
            if amount is not None and tendered is not None:
                cash_tendered_check(method=PaymentMethod.CASH, amount=amount, tendered=tendered)
                context["change"] = Payment(
                    method=PaymentMethod.CASH, amount=amount, tendered=tendered
                ).change
        except DomainError as refused:
            context["error"] = refused.message
    return TemplateResponse(request, "admin/frontdesk/checkout_change_preview.html", context)


def client_search_view(request, ticket_id):
    """Clients a name or phone finds (R26), to give the ticket one (R48): one query;
    merged duplicates are left out."""
    permission_require(request, "tickets.view_ticket")
    query = request.GET.get("q", "").strip()
    found = []
    if query:
        current = Client.objects.filter(merged_into__isnull=True)
        found = list(
            client_search(query=query, queryset=current).order_by("first_name", "last_name")[
                :CLIENTS_FOUND
            ]
        )
    context = {"ticket_id": ticket_id, "query": query, "found": found}
    return TemplateResponse(request, "admin/frontdesk/checkout_client_search.html", context)
