"""tickets/sql.py builds its statements from `_meta` (STYLE rule 15): the lock reads every
concrete column in field order, and the close writes and sums the columns it names."""

from tickets import sql
from tickets.models import DailySpend, Payment, Ticket, TicketLine, Tip


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


def test_the_daily_spend_upsert_names_its_table_columns_and_conflict_from_the_model():
    """R61: the upsert adds to the row of (client, day), the model's unique constraint."""
    statement = sql._daily_spend_upsert("SELECT 1, 2, 3 WHERE 1 = 1")
    client, day, amount = (
        DailySpend._meta.get_field(name).column for name in ("client", "day", "amount")
    )
    assert statement.startswith(f"INSERT INTO {DailySpend._meta.db_table} ({client}, {day}, ")
    assert f"ON CONFLICT ({client}, {day}) DO UPDATE SET {amount} = " in statement
    (unique,) = DailySpend._meta.constraints
    assert tuple(unique.fields) == ("client", "day")
