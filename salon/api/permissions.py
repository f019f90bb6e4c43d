"""Role permissions for the API (SPEC §10)."""

from rest_framework import permissions


def is_staff_member(user) -> bool:
    """Front desk and Managers are staff: they sign in to admin (user.is_staff)."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


class IsStaffMember(permissions.BasePermission):
    message = "Only salon staff may do this."

    def has_permission(self, request, view):
        return is_staff_member(request.user)


class IsClientUser(permissions.BasePermission):
    """A client-app user: signed in and linked to a client record."""

    message = "Only client app users may do this."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "client", None) is not None)


def require_permission(perm: str, *, safe_methods_for_staff: bool = False):
    """A permission class that needs the Django permission `perm` (e.g. Manager-only actions).

    With safe_methods_for_staff, any staff member may read and only holders of `perm` write.
    """

    class HasPermission(permissions.BasePermission):
        message = "Your role may not do this."

        def has_permission(self, request, view):
            if not is_staff_member(request.user):
                return False
            if safe_methods_for_staff and request.method in permissions.SAFE_METHODS:
                return True
            return request.user.has_perm(perm)

    HasPermission.__name__ = f"HasPermission[{perm}]"
    return HasPermission
