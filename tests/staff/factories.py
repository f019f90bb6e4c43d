from datetime import time

import factory

from staff.models import ScheduleException, Staff, WorkingHours


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Stylist {n}")
    active = True


class WorkingHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkingHours

    staff = factory.SubFactory(StaffFactory)
    weekday = 0
    start = time(9)
    end = time(17)


class ScheduleExceptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScheduleException

    staff = factory.SubFactory(StaffFactory)
    date = factory.Faker("date_object")
