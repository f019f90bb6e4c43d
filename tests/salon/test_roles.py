from django.contrib.auth.models import Group, Permission

from salon import roles


def test_migration_creates_the_three_role_groups(db):  # SPEC §10
    assert set(Group.objects.values_list("name", flat=True)) >= {"Manager", "Front desk", "Client"}


def test_every_front_desk_permission_named_in_roles_exists(db):  # SPEC §10
    for app_label, codenames in roles.FRONT_DESK_PERMISSIONS.items():
        found = set(
            Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            ).values_list("codename", flat=True)
        )
        assert found == set(codenames), (app_label, set(codenames) - found)


def test_manager_holds_the_manager_only_permissions_and_front_desk_does_not(manager, front_desk):
    manager_only = [
        "tickets.adjust_closed_ticket",
        "clients.merge_client",
        "feedback.share_feedback",
        "salon.change_features",
    ]
    for perm in manager_only:
        assert manager.has_perm(perm), perm
        assert not front_desk.has_perm(perm), perm


def test_client_group_has_no_admin_permissions(db):  # SPEC §10: the app goes through /me/
    assert Group.objects.get(name="Client").permissions.count() == 0
