from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, permissions, status, viewsets
from rest_framework.response import Response

from catalog import selectors, services
from catalog.models import ItemKind
from salon.api.idempotency import IdempotentMixin
from salon.api.permissions import IsClientUser, is_staff_member, require_permission
from salon.api.query import Boolean, Choice, Query, Text

from .serializers import (
    ItemCreateSerializer,
    ItemSerializer,
    TaxRateInputSerializer,
    TaxRateSerializer,
)


class ClientAppReads(IsClientUser):
    """Client-app users read the catalog to book (R75); nothing else here."""

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS and super().has_permission(request, view)


ITEM_LIST_QUERY = Query(
    Choice("kind", ItemKind.values),
    Text("search", description="Part of the name, any case."),
    Boolean("active", description="Staff only: active or inactive items (the app sees active)."),
)


class ItemListCreateView(generics.ListAPIView):
    """GET: staff see the catalog (?kind=, ?search=, ?active=); client-app users see the
    active items only (R75). POST: Managers add an item."""

    permission_classes = [
        require_permission("catalog.add_item", safe_methods_for_staff=True) | ClientAppReads
    ]
    serializer_class = ItemSerializer
    filter_backends: list = []

    def get_queryset(self):
        query = ITEM_LIST_QUERY.read(self.request)
        if not is_staff_member(self.request.user):
            query["active"] = True
        return selectors.item_list(**query)

    @extend_schema(parameters=ITEM_LIST_QUERY.schema())
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ItemCreateSerializer, responses={201: ItemSerializer})
    def post(self, request):
        data = ItemCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.item_create(**data.validated_data)
        return Response(ItemSerializer(item).data, status=status.HTTP_201_CREATED)


class TaxRateViewSet(
    IdempotentMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Tax rates (R43). Any staff member reads them; Managers add and change them."""

    permission_classes = [require_permission("catalog.change_taxrate", safe_methods_for_staff=True)]
    serializer_class = TaxRateSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.tax_rate_list()

    @extend_schema(request=TaxRateInputSerializer, responses={201: TaxRateSerializer})
    def create(self, request):
        data = TaxRateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tax_rate = services.tax_rate_create(**data.validated_data)
        return Response(TaxRateSerializer(tax_rate).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TaxRateInputSerializer, responses={200: TaxRateSerializer})
    def partial_update(self, request, pk=None):
        data = TaxRateInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        tax_rate = services.tax_rate_update(tax_rate=self.get_object(), **data.validated_data)
        return Response(TaxRateSerializer(tax_rate).data)
