/* The public cases on a map. The list below it is the page without JavaScript. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L || !window.baseMap) return;
  el.hidden = false;
  var base = window.baseMap(el), map = base.map;
  var b = JSON.parse(el.dataset.bounds || "null");
  if (b) map.fitBounds(base.bounds(b), { padding: [24, 24] });
  else map.setView(base.shown(30.593, 114.305), 12);
  // The areas' outlines: something to see even when no map tiles load.
  if (el.dataset.areas) {
    fetch(el.dataset.areas, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (gj) {
        L.geoJSON(base.geojson(gj), {
          style: { color: "#0b6e4f", weight: 1, fillOpacity: 0.05 },
          // A text node: Leaflet puts a string in as HTML, and a name is text.
          onEachFeature: function (f, layer) { layer.bindTooltip(document.createTextNode(f.properties.name || "")); }
        }).addTo(map).bringToBack();
      })
      .catch(function () {});
  }
  var colours = { submitted: "#d97706", closed: "#0b6e4f", on_hold: "#6b7280" };
  JSON.parse(el.dataset.points || "[]").forEach(function (p) {
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.code + " · " + p.label;
    L.circleMarker(base.shown(p.lat, p.lng), {
      radius: 7, weight: 2, color: colours[p.state] || "#1d4ed8", fillOpacity: 0.5
    }).bindPopup(link).addTo(map);
  });
})();
