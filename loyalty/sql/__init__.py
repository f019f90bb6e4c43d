"""loyalty's hand-written SQL, in one package (STYLE rule 15): one module per use case, table
and column names from `_meta`; each statement says what it replaced and the measured gain
(docs/performance.md).

- `rewards`: the rewards box read (R15, R18, R20, R28, R34), P1/P2's hot read, with the
  lots past their date for a client whose stored earliest date is past (R54), alone or
  joined to the client's tier standing (R61);
- `standing`: a client's tier standing (R61): the tiers, the one held and the qualifying
  spend, read by the rewards box (P1) and the close's upgrade check; `TIER_STANDING_COLUMNS`
  names the tickets and catalog columns it reads (tests/loyalty/test_sql_contract.py);
- `ledger_state`: a ticket's ledger state (R3-R16, R22): one prepared SELECT across
  tickets, catalog, clients and appointments; `LEDGER_STATE_COLUMNS` names every column it
  reads from other apps' tables, and tests/loyalty/test_sql_contract.py fails loudly if one
  is renamed;
- `ledger_write`: the ledger's write (R14, R16, R18): entries, a ticket's snapshot and
  balance totals in one statement on PostgreSQL, and the balance rows' lot figures read
  again after a debit (R52-R54). Only loyalty/ledger.py calls it.
"""


def column(model, field: str) -> str:
    return model._meta.get_field(field).column


def cents(expression: str) -> str:
    """An exact integer number of cents on both databases (SQLite keeps decimals as reals)."""
    return f"CAST(ROUND({expression} * 100) AS BIGINT)"
