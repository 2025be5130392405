/* A map with one draggable pin for the staff intake forms (patrol, hotline): the pin
   fills the form's lat/lng fields and calls back on every move. Without Leaflet the
   forms still work from the position, the photo's location or the road list. */
(function () {
  "use strict";
  window.intakeMap = function (mapEl, lat, lng, moved) {
    var map = null, marker = null;
    function place(a, o, zoom) {
      lat.value = (+a).toFixed(6);
      lng.value = (+o).toFixed(6);
      if (map) {
        if (!marker) {
          marker = L.marker([a, o], { draggable: true, keyboard: true }).addTo(map);
          marker.on("dragend", function (ev) {
            var p = ev.target.getLatLng();
            place(p.lat, p.lng);
          });
        } else {
          marker.setLatLng([a, o]);
        }
        if (zoom) map.setView([a, o], Math.max(map.getZoom(), 16));
      }
      if (moved) moved(+lat.value, +lng.value);
    }
    function clear() {
      lat.value = ""; lng.value = "";
      if (marker && map) { map.removeLayer(marker); marker = null; }
    }
    if (mapEl && window.L) {
      mapEl.hidden = false;
      map = L.map(mapEl);
      var b = JSON.parse(mapEl.dataset.bounds || "null");
      if (b) map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [16, 16] });
      else map.setView([30.593, 114.305], 12);
      if (mapEl.dataset.tiles) {
        L.tileLayer(mapEl.dataset.tiles, { maxZoom: 19, attribution: mapEl.dataset.attribution }).addTo(map);
      }
      fetch(mapEl.dataset.areas, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (gj) {
          L.geoJSON(gj, { style: { color: "#0b6e4f", weight: 1, fillOpacity: 0.06 } })
            .addTo(map).eachLayer(function (layer) {
              layer.on("click", function (ev) { place(ev.latlng.lat, ev.latlng.lng); });
            });
        }).catch(function () {});
      map.on("click", function (ev) { place(ev.latlng.lat, ev.latlng.lng); });
      if (lat.value && lng.value) place(+lat.value, +lng.value, true);
    }
    return { place: place, clear: clear };
  };
})();
