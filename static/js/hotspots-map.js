/* The hotspots on the configured base map (static/js/basemap.js): the outlines of the areas in
   scope and a circle per hotspot sized by its count, numbered by rank. Without Leaflet the
   server-drawn chart below stays (it is also what prints). */
(function () {
  "use strict";
  var el = document.getElementById("hotspot-map");
  if (!el || !window.L || !window.baseMap) return;
  el.hidden = false;
  var chart = document.getElementById("hotspot-chart");
  if (chart) chart.hidden = true;
  var base = window.baseMap(el), map = base.map;
  var areas = JSON.parse(el.dataset.areas || "[]"), spots = JSON.parse(el.dataset.spots || "[]");
  var drawn = L.featureGroup().addTo(map);
  areas.forEach(function (geometry) {
    drawn.addLayer(L.geoJSON(base.geojson(geometry), {
      style: { className: "area", color: "#6f8aa6", weight: 1, fillOpacity: 0.08 }
    }));
  });
  var biggest = Math.max.apply(null, spots.map(function (s) { return s.count; }).concat([1]));
  spots.slice().sort(function (a, b) { return a.count - b.count; }).forEach(function (s) {
    var circle = L.circleMarker(base.shown(s.lat, s.lng), {
      className: "spot", radius: 4 + 14 * Math.sqrt(s.count / biggest),
      color: "#c0392b", weight: 1, fillOpacity: 0.45
    });
    // A text node: Leaflet puts a string in as HTML, and a category name is text.
    circle.bindTooltip(document.createTextNode(s.rank + ". " + s.label + ": " + s.count));
    drawn.addLayer(circle);
  });
  var framed = drawn.getBounds();
  if (framed.isValid()) map.fitBounds(framed, { padding: [16, 16], maxZoom: 17 });
  else map.setView(base.shown(30.593, 114.305), 12);
})();
