"""loyalty/sql/ledger_state.py's SELECT reads columns of five other apps' tables by name, and
loyalty/sql/standing.py's those of tickets and catalog (STYLE rule 15): a renamed field or
column must fail here, loudly, not at a close."""

import pytest

from loyalty.sql import ledger_state, standing


@pytest.mark.parametrize(
    ("model", "field", "column"),
    ledger_state.LEDGER_STATE_COLUMNS,
    ids=[f"{model._meta.label}.{field}" for model, field, _ in ledger_state.LEDGER_STATE_COLUMNS],
)
def test_every_column_the_ledger_state_reads_exists_under_that_name(model, field, column):
    assert model._meta.get_field(field).column == column


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
def test_the_ledger_state_statement_reads_only_declared_tables(vendor):
    statement = ledger_state.TICKET_LEDGER[vendor].sql
    for model in {model for model, _, _ in ledger_state.LEDGER_STATE_COLUMNS}:
        assert model._meta.db_table in statement
    for _, _, column in ledger_state.LEDGER_STATE_COLUMNS:
        assert column in statement


@pytest.mark.parametrize(
    ("model", "field", "column"),
    standing.TIER_STANDING_COLUMNS,
    ids=[f"{model._meta.label}.{field}" for model, field, _ in standing.TIER_STANDING_COLUMNS],
)
def test_every_column_the_tier_standing_reads_exists_under_that_name(model, field, column):
    """R61: the qualifying spend is read from tickets' and catalog's tables by name."""
    assert model._meta.get_field(field).column == column


def test_the_tier_standing_statement_reads_only_declared_tables():
    statement = standing.TIER_STANDING.sql
    for model in {model for model, _, _ in standing.TIER_STANDING_COLUMNS}:
        assert model._meta.db_table in statement
    for _, _, column in standing.TIER_STANDING_COLUMNS:
        assert column in statement
