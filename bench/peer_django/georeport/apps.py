from django.apps import AppConfig


class GeoreportConfig(AppConfig):
    name = "peer_django.georeport"
    label = "georeport"
