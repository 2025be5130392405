// Case maps: where Leaflet is vendored (static/vendor/leaflet/), each
// <figure class="map" data-lat data-lng> gains a map above its text fallback, on the
// configured base map (static/js/basemap.js).
(function () {
  if (!window.L || !window.baseMap) return;
  var script = document.currentScript || document.querySelector("script[data-basemap]");
  var settings = null;
  try { settings = JSON.parse((script && script.dataset.basemap) || "null"); } catch (e) { settings = null; }
  document.querySelectorAll("figure.map[data-lat]").forEach(function (fig) {
    var lat = parseFloat(fig.dataset.lat), lng = parseFloat(fig.dataset.lng);
    var box = document.createElement("div");
    box.className = "leaflet";
    fig.insertBefore(box, fig.firstChild);
    var base = window.baseMap(box, settings), here = base.shown(lat, lng);
    base.map.setView(here, 17);
    L.marker(here).addTo(base.map);
  });
})();
