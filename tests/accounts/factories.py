import factory
from django.contrib.auth.models import Group

from accounts.models import User
from salon import roles


def role_group(name: str) -> Group:
    """The role's group with its permissions, also after a transactional test flushed them."""
    group, created = Group.objects.get_or_create(name=name)
    if created or not group.permissions.exists():
        roles.sync_role_permissions()
    return group


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("correct-horse-battery")


class ManagerFactory(UserFactory):
    username = factory.Sequence(lambda n: f"manager{n}")
    is_staff = True

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create:
            self.groups.add(role_group(roles.MANAGER))


class FrontDeskFactory(UserFactory):
    username = factory.Sequence(lambda n: f"frontdesk{n}")
    is_staff = True

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create:
            self.groups.add(role_group(roles.FRONT_DESK))
