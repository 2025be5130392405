from django.urls import path

from peer_django.georeport import views

urlpatterns = [
    path("open311/v2/requests.json", views.request_list),
    path("open311/v2/requests/<str:service_request_id>.json", views.request_detail),
]
