/* A map with one draggable pin for the staff intake forms (patrol, hotline): the pin
   fills the form's lat/lng fields and calls back on every move. Without Leaflet the
   forms still work from the position, the photo's location or the road list. */
(function () {
  "use strict";
  window.intakeMap = function (mapEl, lat, lng, moved) {
    var base = null, map = null, pin = null;
    // (a, o): a stored WGS-84 position; the map shows it where its tiles have that place.
    function place(a, o, zoom) {
      lat.value = (+a).toFixed(6);
      lng.value = (+o).toFixed(6);
      if (pin) pin.put(+a, +o, zoom);
      if (moved) moved(+lat.value, +lng.value);
    }
    function clear() {
      lat.value = ""; lng.value = "";
      if (pin) pin.remove();
    }
    if (mapEl && window.L && window.baseMap) {
      mapEl.hidden = false;
      base = window.baseMap(mapEl);
      map = base.map;
      pin = base.pin(function (p) { place(p.lat, p.lng); });
      var b = JSON.parse(mapEl.dataset.bounds || "null");
      if (b) map.fitBounds(base.bounds(b), { padding: [16, 16] });
      else map.setView(base.shown(30.593, 114.305), 12);
      fetch(mapEl.dataset.areas, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (gj) {
          L.geoJSON(base.geojson(gj), { style: { color: "#0b6e4f", weight: 1, fillOpacity: 0.06 } })
            .addTo(map).eachLayer(function (layer) {
              layer.on("click", function (ev) { var p = base.stored(ev.latlng); place(p.lat, p.lng); });
            });
        }).catch(function () {});
      map.on("click", function (ev) { var p = base.stored(ev.latlng); place(p.lat, p.lng); });
      if (lat.value && lng.value) place(+lat.value, +lng.value, true);
    }
    return { place: place, clear: clear };
  };
})();
