"""The platform's own endpoints (auth, sign-up, /me/), for a schema check that other apps'
warnings can't mask."""

from django.urls import include, path

urlpatterns = [path("api/v1/", include("accounts.api.urls"))]
