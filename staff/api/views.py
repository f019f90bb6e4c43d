"""Staff, weekly hours and dated exceptions API (R41, R42): input → one service → output."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from salon.api.permissions import require_permission
from salon.api.query import Boolean, Query
from staff import selectors, services
from staff.api.serializers import (
    ExceptionSerializer,
    HoursSerializer,
    StaffSerializer,
    StaffWriteSerializer,
)
from staff.services import Range

STAFF_LIST_QUERY = Query(Boolean("active", description="Only active or inactive staff."))


class StaffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Every staff user reads; Managers add and change staff and their schedules (SPEC §10)."""

    permission_classes = [require_permission("staff.change_staff", safe_methods_for_staff=True)]
    serializer_class = StaffSerializer
    http_method_names = ["get", "post", "patch", "put", "delete", "head", "options"]

    def get_queryset(self):
        if self.action != "list":
            return selectors.staff_list()
        return selectors.staff_list(**STAFF_LIST_QUERY.read(self.request))

    @extend_schema(parameters=STAFF_LIST_QUERY.schema())
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=StaffWriteSerializer, responses={201: StaffSerializer})
    def create(self, request):
        given = StaffWriteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        staff = services.staff_create(login=data.pop("user", None), **data)
        return Response(StaffSerializer(staff).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=StaffWriteSerializer, responses=StaffSerializer)
    def partial_update(self, request, pk=None):
        given = StaffWriteSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        staff = services.staff_update(staff=self.get_object(), changes=dict(given.validated_data))
        return Response(StaffSerializer(staff).data)

    @extend_schema(methods=["GET"], responses=HoursSerializer(many=True))
    @extend_schema(
        methods=["PUT"], request=HoursSerializer(many=True), responses=HoursSerializer(many=True)
    )
    @action(detail=True, methods=["get", "put"], pagination_class=None)
    def hours(self, request, pk=None):
        """The whole week `[{weekday, start, end}]` (0 = Monday, "HH:MM" local); PUT
        replaces it."""
        staff = self.get_object()
        if request.method == "PUT":
            given = HoursSerializer(data=request.data, many=True)
            given.is_valid(raise_exception=True)
            services.staff_hours_set(
                staff=staff,
                ranges=[Range(**row) for row in given.validated_data],
            )
        return Response(HoursSerializer(selectors.staff_hours(staff=staff), many=True).data)

    @extend_schema(methods=["GET"], responses=ExceptionSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=ExceptionSerializer, responses={201: ExceptionSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def exceptions(self, request, pk=None):
        """Dated exceptions `{date, start?, end?}`: no times is a day off, else that day's only
        hours."""
        staff = self.get_object()
        if request.method == "GET":
            return Response(
                ExceptionSerializer(selectors.staff_exceptions(staff=staff), many=True).data
            )
        given = ExceptionSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        exception = services.staff_exception_add(staff=staff, **given.validated_data)
        return Response(ExceptionSerializer(exception).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("exception_id", int, OpenApiParameter.PATH)],
        request=None,
        responses={204: None},
    )
    @action(detail=True, methods=["delete"], url_path=r"exceptions/(?P<exception_id>[0-9]+)")
    def exception_delete(self, request, pk=None, exception_id=None):
        staff = self.get_object()
        exception = get_object_or_404(selectors.staff_exceptions(staff=staff), pk=exception_id)
        services.staff_exception_delete(exception=exception)
        return Response(status=status.HTTP_204_NO_CONTENT)
