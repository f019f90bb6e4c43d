"""Salon-wide endpoints (SPEC §11): the Client Connect features (R33)."""

from rest_framework.response import Response
from rest_framework.views import APIView

from salon.api.permissions import require_permission
from salon.api.serializers import FeaturesSerializer
from salon.selectors import features_get
from salon.services import features_update


class FeaturesView(APIView):
    """GET: any staff member. PATCH: Manager; exclusives need all three base features."""

    permission_classes = [require_permission("salon.change_features", safe_methods_for_staff=True)]
    serializer_class = FeaturesSerializer

    def get(self, request):
        return Response(FeaturesSerializer(features_get()).data)

    def patch(self, request):
        serializer = FeaturesSerializer(features_get(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        features = features_update(user=request.user, changes=serializer.validated_data)
        return Response(FeaturesSerializer(features).data)
