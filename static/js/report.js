/* The report form, made quicker: a map pin, "use my location", the place in words and the
   nearby open cases as you go, and the road list filtered as you type. Without this file
   the form works the same in server-side steps. */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;
  document.documentElement.classList.add("js");
  var lat = form.elements.lat, lng = form.elements.lng, seen = form.elements.nearby_seen;
  var areaSelect = document.getElementById("area_id");
  var words = document.getElementById("place-words");
  var live = document.getElementById("nearby-live");
  var mapEl = document.getElementById("map");
  var base = null, map = null, pin = null, timer = null;

  // (a, o): a stored WGS-84 position; the map shows it where its tiles have that place.
  function setPoint(a, o, zoom) {
    lat.value = a.toFixed(6);
    lng.value = o.toFixed(6);
    if (pin) pin.put(a, o, zoom);
    areaSelect.value = "";
    check();
  }

  if (mapEl && window.L && window.baseMap) {
    mapEl.hidden = false;
    document.getElementById("map-hint").hidden = false;
    base = window.baseMap(mapEl);
    map = base.map;
    pin = base.pin(function (p) { setPoint(p.lat, p.lng); });
    // Street level from the start: around the resident when the browser may tell where
    // they are, else around the city centre (a whole-city view is too far out to tap).
    var b = JSON.parse(mapEl.dataset.bounds || "null");
    var streetZoom = +mapEl.dataset.zoom || 17;
    var centre = (mapEl.dataset.centre || "").split(",").map(Number);
    if (centre.length !== 2 || isNaN(centre[0]) || isNaN(centre[1])) {
      centre = b ? [(b[1] + b[3]) / 2, (b[0] + b[2]) / 2] : [30.593, 114.305];
    }
    map.on("zoomend", function () { mapEl.dataset.zoomLevel = map.getZoom(); });
    map.setView(base.shown(centre[0], centre[1]), streetZoom - 1);
    mapEl.dataset.zoomLevel = map.getZoom();
    mapEl.dataset.view = "centre";
    if (navigator.geolocation && !(lat.value && lng.value)) {
      navigator.geolocation.getCurrentPosition(function (pos) {
        if (pin.placed()) return;  // the resident has already put a pin
        map.setView(base.shown(pos.coords.latitude, pos.coords.longitude), streetZoom);
        mapEl.dataset.view = "position";
      }, function () {}, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    }
    fetch(mapEl.dataset.areas, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (gj) {
        L.geoJSON(base.geojson(gj), {
          style: { color: "#0b6e4f", weight: 1, fillOpacity: 0.06 },
          // A text node: Leaflet puts a string in as HTML, and a name is text.
          onEachFeature: function (f, layer) { layer.bindTooltip(document.createTextNode(f.properties.name || "")); }
        }).addTo(map).eachLayer(function (layer) {
          layer.on("click", function (ev) { var p = base.stored(ev.latlng); setPoint(p.lat, p.lng); });
        });
      })
      .catch(function () {});
    map.on("click", function (ev) { var p = base.stored(ev.latlng); setPoint(p.lat, p.lng); });
    if (lat.value && lng.value) {
      pin.put(+lat.value, +lng.value);
      map.setView(base.shown(+lat.value, +lng.value), 16);
    }
  }

  var locate = document.getElementById("locate");
  if (navigator.geolocation && locate) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      document.getElementById("locate-error").hidden = true;
      navigator.geolocation.getCurrentPosition(function (pos) {
        setPoint(pos.coords.latitude, pos.coords.longitude, true);
      }, function () {
        document.getElementById("locate-error").hidden = false;
      }, { enableHighAccuracy: true, timeout: 10000 });
    });
  }

  areaSelect.addEventListener("change", function () {
    if (areaSelect.value) {
      lat.value = ""; lng.value = "";
      if (pin) pin.remove();
      var opt = areaSelect.options[areaSelect.selectedIndex];
      words.textContent = opt.dataset.words || opt.textContent;
    }
    check();
  });

  // The road list filters as you type; the Search button is for browsers without JS.
  var q = document.getElementById("q");
  q.addEventListener("input", function () {
    var terms = q.value.toLowerCase().split(/\s+/).filter(Boolean);
    Array.prototype.forEach.call(areaSelect.options, function (opt) {
      if (!opt.value) return;
      var hay = opt.dataset.search || "";
      opt.hidden = !terms.every(function (t) { return hay.indexOf(t) >= 0; });
    });
  });
  q.addEventListener("keydown", function (ev) { if (ev.key === "Enter") ev.preventDefault(); });

  Array.prototype.forEach.call(form.querySelectorAll("input[name=category]"), function (r) {
    r.addEventListener("change", check);
  });

  function chosenCategory() {
    var c = form.querySelector("input[name=category]:checked");
    return c ? c.value : "";
  }

  function check() {
    clearTimeout(timer);
    timer = setTimeout(run, 150);
  }

  function run() {
    var params = new URLSearchParams({ category: chosenCategory() });
    if (lat.value && lng.value) { params.set("lat", lat.value); params.set("lng", lng.value); }
    else if (areaSelect.value) params.set("area_id", areaSelect.value);
    else return;
    // (form.action would be the button named "action": read the attribute)
    fetch(form.getAttribute("action") + "/check.json?" + params, {
      credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (r) { return r.json(); }).then(show).catch(function () {});
  }

  function show(data) {
    if (!data.in_city) {
      words.textContent = words.dataset.outside;
    } else if (data.place) {
      words.textContent = data.place;
      if (lat.value && data.area_id) areaSelect.value = String(data.area_id);
    }
    var list = live.querySelector("ul");
    list.innerHTML = "";
    var tpl = document.getElementById("candidate-template");
    data.cases.forEach(function (c) {
      var li = tpl.content.firstElementChild.cloneNode(true);
      li.dataset.code = c.code;
      li.querySelector(".c-category").textContent = c.category;
      li.querySelector(".c-state").textContent = c.state;
      li.querySelector(".c-code").textContent = c.display;
      li.querySelector(".c-reported").textContent = c.reported;
      var d = li.querySelector(".c-distance");
      d.textContent = c.distance_m === null ? "" : " · " + d.dataset.text.replace("{m}", c.distance_m);
      var s = li.querySelector(".c-supporters");
      s.textContent = s.dataset.text.replace("{n}", c.supporters);
      li.querySelector("button").value = c.code;
      li.querySelector(".c-link").href = c.url;
      list.appendChild(li);
    });
    live.hidden = data.cases.length === 0;
    // The resident has seen the nearby cases for this category and place: the server
    // need not ask again unless one of them changes.
    if (chosenCategory()) seen.value = data.signature;
  }

  if (chosenCategory() && (lat.value || areaSelect.value) && !document.getElementById("nearby")) check();
})();
