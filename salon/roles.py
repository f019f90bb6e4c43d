"""The three roles of SPEC §10. Groups are created by a migration; their permissions are
kept in step here after every migrate, since permissions of later apps only exist then."""

from django.apps import apps as global_apps

from salon.project_apps import PROJECT_APPS

MANAGER = "Manager"
FRONT_DESK = "Front desk"
CLIENT = "Client"
ROLE_NAMES = (MANAGER, FRONT_DESK, CLIENT)


# Front desk: clients, tickets (open ones), appointments, reservations, feedback;
# sees balances. Everything else (rewards configuration, features, points adjustments,
# closed-ticket changes, merges, sharing feedback) is the Manager's, and admin neither
# lists it for the front desk nor opens it (403). The API still lets any staff member
# read the rules, settings and features (SPEC §11), which the staff app needs.
FRONT_DESK_PERMISSIONS = {
    "clients": [
        "view_client",
        "add_client",
        "change_client",
        "view_clientfile",
        "add_clientfile",
        "delete_clientfile",
    ],
    "catalog": ["view_item"],
    "messaging": ["view_message", "view_optout"],
    "staff": ["view_staff", "view_workinghours", "view_scheduleexception"],
    "appointments": [
        "view_appointment",
        "add_appointment",
        "change_appointment",
        "view_productreservation",
        "add_productreservation",
        "change_productreservation",
    ],
    "tickets": [
        "view_ticket",
        "add_ticket",
        "change_ticket",
        "view_ticketline",
        "add_ticketline",
        "change_ticketline",
        "delete_ticketline",
        "view_payment",
        "add_payment",
        "delete_payment",
        "view_ticketadjustment",
        "view_tip",
        "add_tip",
        "delete_tip",
    ],
    "feedback": ["view_feedback", "add_feedback"],
    "loyalty": [
        "view_pointsentry",
        "redeem_points",
        # the desk tells clients which tier earns what and which promotion runs (R61, R62)
        "view_tier",
        "view_promotion",
    ],
    "frontdesk": ["view_receiptemail"],
}


def sync_role_permissions(sender=None, apps=None, **kwargs):
    """Give Manager every permission of Salon's apps and Front desk its list; idempotent."""
    apps = apps or global_apps
    try:
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
    except LookupError:
        return
    groups = {group.name: group for group in Group.objects.filter(name__in=ROLE_NAMES)}
    if MANAGER in groups:
        groups[MANAGER].permissions.set(
            Permission.objects.filter(content_type__app_label__in=PROJECT_APPS)
        )
    if FRONT_DESK in groups:
        wanted = Permission.objects.none()
        for app_label, codenames in FRONT_DESK_PERMISSIONS.items():
            wanted = wanted | Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
        groups[FRONT_DESK].permissions.set(wanted)
