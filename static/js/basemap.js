/* The base map under every map in the app, and the one place the browser converts positions.
   Positions are stored in WGS-84. When the tiles are drawn in GCJ-02 (AMap, Tencent), every
   point and outline is shifted for display with the vendored gcoord, and every click or drag
   is shifted back before it reaches a form. The settings come in a data-basemap attribute
   (app/base_map.py): {crs, layers: [{url, subdomains, maxNativeZoom}], attribution}.

   var base = baseMap(element);       // an L.map with the tiles and their attribution
   base.shown(lat, lng)               // a stored position → an L.LatLng to draw
   base.stored(latlng)                // a clicked or dragged L.LatLng → {lat, lng} to store
   base.geojson(gj), base.bounds(b)   // outlines, and [minLng, minLat, maxLng, maxLat]
   var pin = base.pin(moved);         // the one draggable pin of a form; moved({lat, lng})
                                      // is called with the stored position after a drag
   pin.put(lat, lng, zoom)            // place or move it (zoom: bring it into street view)
   pin.remove(), pin.placed()         // take it away; whether there is one */
(function () {
  "use strict";

  function settingsOf(el) {
    try { return JSON.parse(el.dataset.basemap || "null"); } catch (e) { return null; }
  }

  window.baseMap = function (el, settings) {
    var conf = settings || settingsOf(el) || { crs: "WGS84", layers: [], attribution: "" };
    var gcj = conf.crs === "GCJ02";
    var layers = conf.layers || [];
    // GCJ-02 tiles without the converter would put every pin half a kilometre off: draw the
    // outlines alone rather than a map that lies.
    if (gcj && !window.gcoord) { layers = []; gcj = false; }
    var map = L.map(el);
    layers.forEach(function (layer, i) {
      L.tileLayer(layer.url, {
        subdomains: layer.subdomains || "abc", maxNativeZoom: layer.maxNativeZoom || 18,
        maxZoom: 19, attribution: i === 0 ? conf.attribution : ""
      }).addTo(map);
    });

    function shown(lat, lng) {
      if (!gcj) return L.latLng(+lat, +lng);
      var p = gcoord.transform([+lng, +lat], gcoord.WGS84, gcoord.GCJ02);
      return L.latLng(p[1], p[0]);
    }
    function stored(latlng) {
      if (!gcj) return { lat: latlng.lat, lng: latlng.lng };
      var p = gcoord.transform([latlng.lng, latlng.lat], gcoord.GCJ02, gcoord.WGS84);
      return { lat: p[1], lng: p[0] };
    }
    function geojson(gj) {
      return gcj && gj ? gcoord.transform(gj, gcoord.WGS84, gcoord.GCJ02) : gj;
    }
    function bounds(b) {
      return L.latLngBounds(shown(b[1], b[0]), shown(b[3], b[2]));
    }
    function pin(moved) {
      var marker = null;
      function put(lat, lng, zoom) {
        var here = shown(lat, lng);
        if (!marker) {
          marker = L.marker(here, { draggable: true, keyboard: true }).addTo(map);
          marker.on("dragend", function (ev) { moved(stored(ev.target.getLatLng())); });
        } else {
          marker.setLatLng(here);
        }
        if (zoom) map.setView(here, Math.max(map.getZoom(), 16));
      }
      function remove() {
        if (marker) { map.removeLayer(marker); marker = null; }
      }
      return { put: put, remove: remove, placed: function () { return marker !== null; } };
    }
    return { map: map, crs: gcj ? "GCJ02" : "WGS84", shown: shown, stored: stored,
             geojson: geojson, bounds: bounds, pin: pin };
  };
})();
