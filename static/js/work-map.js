// Case maps: where Leaflet is vendored (static/vendor/leaflet/), each
// <figure class="map" data-lat data-lng> gains a map above its text fallback.
(function () {
  if (!window.L) return;
  var script = document.currentScript || document.querySelector("script[data-tiles]");
  var tiles = script && script.dataset.tiles;
  document.querySelectorAll("figure.map[data-lat]").forEach(function (fig) {
    var lat = parseFloat(fig.dataset.lat), lng = parseFloat(fig.dataset.lng);
    var box = document.createElement("div");
    box.className = "leaflet";
    fig.insertBefore(box, fig.firstChild);
    var map = L.map(box).setView([lat, lng], 17);
    if (tiles) L.tileLayer(tiles, { maxZoom: 19, attribution: script.dataset.attribution || "" }).addTo(map);
    L.marker([lat, lng]).addTo(map);
  });
})();
