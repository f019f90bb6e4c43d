from django.urls import path

from salon.api.routers import Router

from .views import ItemListCreateView, TaxRateViewSet

router = Router()
router.register("tax-rates", TaxRateViewSet, basename="tax-rate")

urlpatterns = [
    path("items/", ItemListCreateView.as_view(), name="item-list"),
    *router.urls,
]
