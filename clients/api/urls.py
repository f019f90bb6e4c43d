from django.urls import path

from clients.api import views

urlpatterns = [
    path("clients/", views.ClientListCreateView.as_view(), name="client-list"),
    path("clients/<id:client_id>/", views.ClientDetailView.as_view(), name="client-detail"),
    path("clients/<id:client_id>/merge/", views.ClientMergeView.as_view(), name="client-merge"),
    path(
        "clients/<id:client_id>/files/",
        views.ClientFileListCreateView.as_view(),
        name="client-file-list",
    ),
    path(
        "clients/<id:client_id>/files/<id:file_id>/",
        views.ClientFileDetailView.as_view(),
        name="client-file-detail",
    ),
    path(
        "clients/<id:client_id>/files/<id:file_id>/download/",
        views.ClientFileDownloadView.as_view(),
        name="client-file-download",
    ),
    path("me/files/", views.MyFileListView.as_view(), name="me-file-list"),
    path(
        "me/files/<id:file_id>/download/",
        views.MyFileDownloadView.as_view(),
        name="me-file-download",
    ),
]
