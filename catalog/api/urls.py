from django.urls import path

from .views import ItemListCreateView

urlpatterns = [
    path("items/", ItemListCreateView.as_view(), name="item-list"),
]
