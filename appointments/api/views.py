"""Appointments and reservations API (SPEC §11): input serializer → one service → output."""

from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from appointments import booking, scheduling, services
from appointments.api.serializers import (
    AppointmentBookSerializer,
    AppointmentRescheduleSerializer,
    AppointmentSerializer,
    AvailabilityQuerySerializer,
    MyAppointmentBookSerializer,
    MyReservationCreateSerializer,
    ReservationCreateSerializer,
    ReservationSerializer,
    SlotSerializer,
)
from appointments.models import AppointmentStatus
from appointments.selectors import appointments_list, reservations_list
from clients.models import ClientSource
from salon.api.filters import UpdatedSinceFilter
from salon.api.idempotency import IdempotentMixin
from salon.api.permissions import IsClientUser, IsStaffMember
from salon.api.query import Choice, Date, Id, Query

AVAILABILITY_QUERY = Query(
    Id("item", required=True),
    Date("date", required=True, description="YYYY-MM-DD, salon day"),
    Id("staff"),
)
APPOINTMENT_LIST_QUERY = Query(
    Date("date", description="YYYY-MM-DD, salon day"),
    Choice("status", AppointmentStatus.values),
    Id("client", description="A client's id."),
)
RESERVATION_LIST_QUERY = Query(Id("client", description="A client's id."))


class AvailabilityView(APIView):
    """GET /api/v1/availability/?item=&date=[&staff=] (R42): every free 15-minute start of
    that salon day, with the staff member free then. Staff and client-app users."""

    permission_classes = [IsStaffMember | IsClientUser]

    @extend_schema(parameters=AVAILABILITY_QUERY.schema(), responses=SlotSerializer(many=True))
    def get(self, request):
        query = AVAILABILITY_QUERY.read(request)
        given = AvailabilityQuerySerializer(
            data={name: value for name, value in query.items() if value is not None}
        )
        given.is_valid(raise_exception=True)
        slots = scheduling.availability(
            item=given.validated_data["item"],
            day=given.validated_data["date"],
            staff=given.validated_data.get("staff"),
        )
        return Response(SlotSerializer(slots, many=True).data)


@extend_schema_view(list=extend_schema(parameters=APPOINTMENT_LIST_QUERY.schema()))
class AppointmentViewSet(
    IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Staff: the appointment book. `?date=YYYY-MM-DD` (salon day), `?status=`, `?client=`."""

    permission_classes = [IsStaffMember]
    serializer_class = AppointmentSerializer
    filter_backends = [DjangoFilterBackend, UpdatedSinceFilter]

    def get_queryset(self):
        if self.action != "list":
            return appointments_list()
        query = APPOINTMENT_LIST_QUERY.read(self.request)
        return appointments_list(
            day=query["date"], status=query["status"], client_id=query["client"]
        )

    @extend_schema(request=AppointmentBookSerializer, responses={201: AppointmentSerializer})
    def create(self, request):
        given = AppointmentBookSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        appointment = booking.appointment_book(**given.validated_data, user=request.user)
        return Response(AppointmentSerializer(appointment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AppointmentRescheduleSerializer, responses=AppointmentSerializer)
    def partial_update(self, request, pk=None):
        """Reschedule (R42): `{start?, staff?, allow_overlap?}` while booked or confirmed."""
        given = AppointmentRescheduleSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        appointment = booking.appointment_reschedule(
            appointment=self.get_object(), **given.validated_data
        )
        return Response(AppointmentSerializer(appointment).data)

    def _act(self, service, **kwargs):
        appointment = self.get_object()
        appointment = service(appointment=appointment, **kwargs)
        return Response(AppointmentSerializer(appointment).data)

    @extend_schema(request=None, responses=AppointmentSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._act(services.appointment_confirm)

    @extend_schema(request=None, responses=AppointmentSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._act(services.appointment_cancel)

    @extend_schema(request=None, responses=AppointmentSerializer)
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        return self._act(services.appointment_check_in)

    @extend_schema(request=None, responses=AppointmentSerializer)
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request, pk=None):
        return self._act(services.appointment_no_show)


@extend_schema_view(list=extend_schema(parameters=RESERVATION_LIST_QUERY.schema()))
class ReservationViewSet(
    IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Staff: product reservations (R36). `?client=` filters."""

    permission_classes = [IsStaffMember]
    serializer_class = ReservationSerializer

    def get_queryset(self):
        if self.action != "list":
            return reservations_list()
        return reservations_list(client_id=RESERVATION_LIST_QUERY.read(self.request)["client"])

    @extend_schema(request=ReservationCreateSerializer, responses={201: ReservationSerializer})
    def create(self, request):
        given = ReservationCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        reservation = booking.reservation_create(**given.validated_data, user=request.user)
        return Response(ReservationSerializer(reservation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ReservationSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        reservation = services.reservation_cancel(reservation=self.get_object())
        return Response(ReservationSerializer(reservation).data)


def _own_client(request, given_client_id):
    """The signed-in client; naming anyone else is answered as if it didn't exist (404)."""
    client = request.user.client
    if given_client_id is not None and given_client_id != client.pk:
        raise NotFound("No such client.")
    return client


class MyAppointmentViewSet(
    IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """A client-app user's own appointments; booking from the app has source `app`."""

    permission_classes = [IsClientUser]
    serializer_class = AppointmentSerializer
    filter_backends = [DjangoFilterBackend, UpdatedSinceFilter]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return appointments_list().none()
        return appointments_list(client_id=self.request.user.client.pk)

    @extend_schema(
        request=MyAppointmentBookSerializer,
        responses={201: AppointmentSerializer},
        examples=[
            OpenApiExample(
                "A haircut at a free time",
                value={"item": 3, "start": "2026-12-02T10:30:00-05:00"},
                request_only=True,
            )
        ],
    )
    def create(self, request):
        given = MyAppointmentBookSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        client = _own_client(request, data.pop("client", None))
        appointment = booking.appointment_book(
            client=client, source=ClientSource.APP, user=request.user, **data
        )
        return Response(AppointmentSerializer(appointment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=AppointmentSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        appointment = get_object_or_404(self.get_queryset(), pk=pk)
        appointment = services.appointment_cancel(appointment=appointment)
        return Response(AppointmentSerializer(appointment).data)


class MyReservationViewSet(
    IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """A client-app user's own product reservations (source `app`)."""

    permission_classes = [IsClientUser]
    serializer_class = ReservationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return reservations_list().none()
        return reservations_list(client_id=self.request.user.client.pk)

    @extend_schema(request=MyReservationCreateSerializer, responses={201: ReservationSerializer})
    def create(self, request):
        given = MyReservationCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        client = _own_client(request, data.pop("client", None))
        reservation = booking.reservation_create(
            client=client, source=ClientSource.APP, user=request.user, **data
        )
        return Response(ReservationSerializer(reservation).data, status=status.HTTP_201_CREATED)
