from django.urls import path

from bench.views import ConstantView, PrimaryKeyGetView
from salon.urls import handler404, handler500
from salon.urls import urlpatterns as salon_urlpatterns

__all__ = ["handler404", "handler500", "urlpatterns"]

urlpatterns = [
    path("bench/b1/<int:client_id>/", ConstantView.as_view()),
    path("bench/b2/<int:client_id>/", PrimaryKeyGetView.as_view()),
    *salon_urlpatterns,
]
