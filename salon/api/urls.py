from django.urls import path

from salon.api import views

urlpatterns = [
    path("features/", views.FeaturesView.as_view(), name="features"),
]
