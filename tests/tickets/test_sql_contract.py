"""tickets/sql.py builds its statements from `_meta` (STYLE rule 15): the lock reads every
concrete column in field order, and the close writes and sums the columns it names."""

from tickets import sql
from tickets.models import Payment, Ticket, TicketLine, Tip


def test_the_ticket_lock_reads_every_column_in_field_order():
    columns = ", ".join(field.column for field in Ticket._meta.concrete_fields)
    for statement in sql.LOCK_TICKET.values():
        assert statement.sql.startswith(f"SELECT {columns} FROM {Ticket._meta.db_table} ")


def test_the_close_names_its_columns_from_the_models():
    statement = sql.CLOSE_IF_SETTLED.sql
    for model, field in [
        (Ticket, "status"),
        (Ticket, "closed_at"),
        (Ticket, "closed_by"),
        (TicketLine, "ticket"),
        (TicketLine, "net_amount"),
        (TicketLine, "tax"),
        (TicketLine, "tax_included"),
        (Tip, "ticket"),
        (Tip, "amount"),
        (Payment, "ticket"),
        (Payment, "amount"),
    ]:
        assert model._meta.get_field(field).column in statement
