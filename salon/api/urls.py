from django.urls import path

from salon.api import views

urlpatterns = [
    path("features/", views.FeaturesView.as_view(), name="features"),
    path("salon/", views.SalonSettingsView.as_view(), name="salon-settings"),
]
