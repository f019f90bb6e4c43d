"""Events catalog announces to the apps that depend on it (SPEC §1)."""

from django.dispatch import Signal

# Sent inside the transaction of `item_update` when an item's kind changes, with
# item=Item (changed, locked), was=str (the kind before). tickets re-counts the qualifying
# spend (R61) of the days the item's lines were sold on when it becomes or stops being a
# gift card.
item_kind_changed = Signal()
