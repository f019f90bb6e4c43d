from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """Staff (is_staff, in the Manager or Front desk group) and client-app users (linked to a
    Client through Client.user; they sign in with their e-mail address as username)."""

    class Meta:
        db_table = "accounts_user"
