"""Salon-wide endpoints (SPEC §11): the Client Connect features (R33), the salon settings
(R50)."""

from rest_framework.response import Response
from rest_framework.views import APIView

from salon.api.permissions import require_permission
from salon.api.serializers import FeaturesSerializer, SalonSettingsSerializer
from salon.selectors import features_get, salon_settings_get
from salon.services import features_update, salon_settings_update


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


class SalonSettingsView(APIView):
    """GET: any staff member. PATCH: Manager (R50)."""

    permission_classes = [
        require_permission("salon.change_salonsettings", safe_methods_for_staff=True)
    ]
    serializer_class = SalonSettingsSerializer

    def get(self, request):
        return Response(SalonSettingsSerializer(salon_settings_get()).data)

    def patch(self, request):
        serializer = SalonSettingsSerializer(salon_settings_get(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        salon = salon_settings_update(user=request.user, changes=serializer.validated_data)
        return Response(SalonSettingsSerializer(salon).data)
