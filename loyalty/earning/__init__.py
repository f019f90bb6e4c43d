"""Earning (SPEC §3, R3-R16, R37), in three steps (STYLE rule 14): `fetch` reads a
ticket's ledger state once, `rules` computes from it the entries the ticket should have
(pure functions, tested without a database), `reconcile` writes the difference through
the ledger. `feedback` awards the feedback actions."""
