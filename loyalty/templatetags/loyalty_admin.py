"""The rewards box (R28) as an admin template tag, so the client page can show it without
the clients app knowing loyalty exists."""

from django import template
from django.urls import reverse

from loyalty import rewards_box, selectors
from loyalty.tiers import rewards_with_tier
from salon.money import points_to_dollars
from salon.selectors import features_get

register = template.Library()


@register.inclusion_tag("admin/loyalty/rewards_box.html", takes_context=True)
def client_rewards_box(context, client):
    """Pending and redeemable points and their dollar value, with a link to the ledger."""
    if client is None or client.pk is None:
        return {"client": None}
    rewards = rewards_with_tier(
        rewards_box.client_rewards_summary(client=client, with_tier_standing=True),
        client_id=client.pk,
    )
    user = context["request"].user
    may_redeem = rewards.can_redeem and user.has_perm("loyalty.redeem_points")
    return {
        "open_tickets": selectors.client_open_tickets(client=client) if may_redeem else [],
        "client": client,
        "rewards": rewards,
        "pending_value": points_to_dollars(rewards.pending_points),
        "next_expiry_value": (
            points_to_dollars(rewards.next_expiry.points) if rewards.next_expiry else None
        ),
        "rewards_on": features_get().rewards_referrals,
        "details_url": reverse("admin:loyalty_client_rewards", args=[client.pk]),
        "can_adjust_points": user.has_perm("loyalty.adjust_points"),
        "can_place_tier": user.has_perm("loyalty.place_client_tier"),
    }
