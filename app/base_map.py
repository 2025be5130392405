"""The base map under every map in the app, as data: which tile layers, in which coordinate
system, with which attribution and approval number (审图号), and where "open in a map" goes.

A city picks a provider (``MAP_PROVIDER``) or lists its own layers (``MAP_LAYERS``); every
page hands the result to the browser in one ``data-basemap`` attribute (the CSP forbids inline
script), and static/js/basemap.js draws it and converts positions when the tiles are GCJ-02.
Read from the live config on each use, so a test or an administrator's reload sees a change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from urllib.parse import quote, urlsplit

from app.services.coordinates import wgs84_to_gcj02

WGS84, GCJ02 = "WGS84", "GCJ02"

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
OSM_OPEN = "https://www.openstreetmap.org/?mlat={lat}&mlon={lng}#map=18/{lat}/{lng}"

_TIANDITU = ("https://t{s}.tianditu.gov.cn/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
             "&LAYER=%s&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
             "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}")


@dataclass(frozen=True)
class Layer:
    url: str
    subdomains: str = ""
    max_zoom: int = 18

    def as_json(self) -> dict:
        return {"url": self.url, "subdomains": self.subdomains, "maxNativeZoom": self.max_zoom}


@dataclass(frozen=True)
class Provider:
    crs: str
    layers: tuple[Layer, ...]
    attribution: str
    open_url: str = ""


# Tianditu (CGCS2000, within a few centimetres of WGS-84: drawn without conversion) needs its
# "tk" key (MAP_KEY); AMap and Tencent draw GCJ-02. Each Chinese provider's tiles carry its own
# 审图号, which the city shows with MAP_APPROVAL.
PROVIDERS: dict[str, Provider] = {
    "osm": Provider(WGS84, (Layer(OSM_TILES, max_zoom=19),), OSM_ATTRIBUTION, OSM_OPEN),
    "tianditu": Provider(
        WGS84, (Layer(_TIANDITU % ("vec", "vec"), "01234567"),
                Layer(_TIANDITU % ("cva", "cva"), "01234567")),
        '&copy; <a href="https://www.tianditu.gov.cn/">天地图</a>',
        "https://map.tianditu.gov.cn/?lng={lng}&lat={lat}&zoom=18"),
    "tianditu-img": Provider(
        WGS84, (Layer(_TIANDITU % ("img", "img"), "01234567"),
                Layer(_TIANDITU % ("cia", "cia"), "01234567")),
        '&copy; <a href="https://www.tianditu.gov.cn/">天地图</a>',
        "https://map.tianditu.gov.cn/?lng={lng}&lat={lat}&zoom=18"),
    "amap": Provider(
        GCJ02, (Layer("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
                      "&style=8&x={x}&y={y}&z={z}", "1234"),),
        '&copy; <a href="https://www.amap.com/">高德地图</a>',
        "https://uri.amap.com/marker?position={lng},{lat}&coordinate=gaode&callnative=0"),
    "amap-img": Provider(
        GCJ02, (Layer("https://webst0{s}.is.autonavi.com/appmaptile?style=6&x={x}&y={y}&z={z}",
                      "1234"),
                Layer("https://webst0{s}.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}",
                      "1234")),
        '&copy; <a href="https://www.amap.com/">高德地图</a>',
        "https://uri.amap.com/marker?position={lng},{lat}&coordinate=gaode&callnative=0"),
    "tencent": Provider(
        GCJ02, (Layer("https://rt{s}.map.gtimg.com/realtimerender?z={z}&x={x}&y={-y}"
                      "&type=vector&style=0", "0123"),),
        '&copy; <a href="https://map.qq.com/">腾讯地图</a>',
        "https://apis.map.qq.com/uri/v1/marker?marker=coord:{lat},{lng}&coord_type=2"
        "&referer=roadchief"),
}


@dataclass(frozen=True)
class BaseMap:
    crs: str
    layers: tuple[Layer, ...]
    attribution: str  # HTML, as Leaflet shows it
    approval: str  # plain text, e.g. "审图号：GS(2024)0650号"
    open_url: str

    def for_browser(self) -> dict:
        """What static/js/basemap.js reads from the data-basemap attribute."""
        credit = self.attribution
        if self.approval:
            credit = f'{credit} | <span class="map-approval">{escape(self.approval)}</span>'
        return {"crs": self.crs, "layers": [layer.as_json() for layer in self.layers],
                "attribution": credit}

    def open_link(self, lat: float | None, lng: float | None) -> str | None:
        """"Open in a map" for a stored (WGS-84) position, in the provider's own system."""
        if not self.open_url or lat is None or lng is None:
            return None
        if self.crs == GCJ02:
            lng, lat = wgs84_to_gcj02(lng, lat)
        return self.open_url.format(lat=f"{lat:.6f}", lng=f"{lng:.6f}")

    def image_origins(self) -> list[str]:
        """Every scheme://host the tiles come from (one per subdomain): the CSP's img-src."""
        origins: list[str] = []
        for layer in self.layers:
            # Leaflet fills {s} from "abc" when a layer names no subdomains.
            subdomains = layer.subdomains or ("abc" if "{s}" in layer.url else "")
            hosts = [layer.url.replace("{s}", s) for s in subdomains] or [layer.url]
            for url in hosts:
                parts = urlsplit(url)
                if parts.scheme in ("http", "https") and parts.netloc and "{" not in parts.netloc:
                    origin = f"{parts.scheme}://{parts.netloc}"
                    if origin not in origins:
                        origins.append(origin)
        return origins


class MapConfigError(ValueError):
    """A map setting that cannot work (unknown provider, malformed MAP_LAYERS)."""


def _layers_from(text: str, key: str) -> tuple[Layer, ...]:
    try:
        items = json.loads(text)
        return tuple(Layer(str(i["url"]).replace("{key}", quote(key, safe="")),
                           str(i.get("subdomains", "")), int(i.get("max_zoom", 18)))
                     for i in items)
    except (ValueError, TypeError, KeyError) as exc:
        raise MapConfigError(f"MAP_LAYERS is not a JSON list of {{url, subdomains, max_zoom}}: "
                             f"{exc}") from exc


def base_map(config: Mapping) -> BaseMap:
    """The base map the settings describe (see README "Base maps for a Chinese deployment").

    No ``MAP_PROVIDER``: the single layer ``MAP_TILE_URL`` (OpenStreetMap by default; empty: no
    tiles, the maps show area outlines only), as before providers existed."""
    name = (config.get("MAP_PROVIDER") or "").strip().lower()
    key = (config.get("MAP_KEY") or "").strip()
    approval = (config.get("MAP_APPROVAL") or "").strip()
    custom_layers = (config.get("MAP_LAYERS") or "").strip()
    if name:
        if name not in PROVIDERS:
            raise MapConfigError(f"MAP_PROVIDER {name!r} is not one of {', '.join(PROVIDERS)}")
        preset = PROVIDERS[name]
        layers = tuple(Layer(layer.url.replace("{key}", quote(key, safe="")),
                             layer.subdomains, layer.max_zoom) for layer in preset.layers)
        crs, attribution, open_url = preset.crs, preset.attribution, preset.open_url
    else:
        tiles = (config.get("MAP_TILE_URL") or "").strip()
        layers = (Layer(tiles, max_zoom=19),) if tiles else ()
        crs, attribution = WGS84, OSM_ATTRIBUTION
        open_url = OSM_OPEN if "openstreetmap.org" in tiles else ""
    if custom_layers:
        layers = _layers_from(custom_layers, key)
    crs = (config.get("MAP_CRS") or crs).strip().upper().replace("-", "")
    if crs not in (WGS84, GCJ02):
        raise MapConfigError(f"MAP_CRS {crs!r} is neither WGS84 nor GCJ02")
    if config.get("MAP_ATTRIBUTION") is not None:
        attribution = config["MAP_ATTRIBUTION"]
    if config.get("MAP_OPEN_URL") is not None:
        open_url = config["MAP_OPEN_URL"].strip()
    return BaseMap(crs, layers, attribution, approval, open_url)
