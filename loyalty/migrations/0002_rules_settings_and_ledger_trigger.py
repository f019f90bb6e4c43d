"""All 16 earning rules (inactive, 0 points), the settings row, and on PostgreSQL a trigger
that refuses UPDATE and DELETE on the points ledger even from raw SQL (R14)."""

from decimal import Decimal

from django.db import migrations

APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION loyalty_pointsentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE =
        'loyalty_pointsentry is append-only: ' || TG_OP || ' refused (R14)';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS loyalty_pointsentry_append_only ON loyalty_pointsentry;
CREATE TRIGGER loyalty_pointsentry_append_only
    BEFORE UPDATE OR DELETE ON loyalty_pointsentry
    FOR EACH ROW EXECUTE FUNCTION loyalty_pointsentry_append_only();
"""

DROP_APPEND_ONLY_SQL = """
DROP TRIGGER IF EXISTS loyalty_pointsentry_append_only ON loyalty_pointsentry;
DROP FUNCTION IF EXISTS loyalty_pointsentry_append_only();
"""


# (action, spend-based, referrer-eligible) as of this migration; SPEC §3.
ACTIONS = [
    ("service_purchase", True, True),
    ("product_purchase", True, True),
    ("day_package_purchase", True, True),
    ("series_package_purchase", True, True),
    ("membership_purchase", True, True),
    ("gift_card_purchase", True, True),
    ("first_visit", False, False),
    ("prebooked_appointment", False, True),
    ("online_booking", False, True),
    ("product_reservation", False, False),
    ("online_signup", False, False),
    ("feedback", False, False),
    ("shared_feedback", False, False),
    ("client_referral", False, False),
    ("referred_membership_purchase", False, False),
    ("referred_package_purchase", False, False),
]


def create_rules_and_settings(apps, schema_editor):
    EarningRule = apps.get_model("loyalty", "EarningRule")
    LoyaltySettings = apps.get_model("loyalty", "LoyaltySettings")
    for action, spend, referrer_eligible in ACTIONS:
        EarningRule.objects.get_or_create(
            action=action,
            defaults={
                "active": False,
                "points": 0,
                "spend_unit": Decimal("1.00") if spend else None,
                "referrer_points": 0 if referrer_eligible else None,
            },
        )
    LoyaltySettings.objects.get_or_create(pk=1)


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_APPEND_ONLY_SQL)


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0001_initial")]

    operations = [
        migrations.RunPython(create_rules_and_settings, migrations.RunPython.noop),
        migrations.RunPython(add_trigger, drop_trigger),
    ]
