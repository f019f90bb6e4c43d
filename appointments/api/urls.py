from django.urls import path

from appointments.api.views import (
    AppointmentViewSet,
    AvailabilityView,
    MyAppointmentViewSet,
    MyReservationViewSet,
    ReservationViewSet,
)
from salon.api.routers import Router

router = Router()
router.register("appointments", AppointmentViewSet, basename="appointment")
router.register("reservations", ReservationViewSet, basename="reservation")
router.register("me/appointments", MyAppointmentViewSet, basename="my-appointment")
router.register("me/reservations", MyReservationViewSet, basename="my-reservation")

urlpatterns = [
    path("availability/", AvailabilityView.as_view(), name="availability"),
    *router.urls,
]
