"""The loyalty admin, one module per use case: earning rules and settings
(configuration.py), the read-only ledger with manual adjustments, redemption and the rewards
box (points.py), tiers and placements (tiers.py), promotions (promotions.py). Every write
goes through a service; the admin holds no rule of its own. Importing the modules registers
their admins."""

from loyalty.admin import configuration, points, promotions, tiers

__all__ = ["configuration", "points", "promotions", "tiers"]
