// Draw an area's boundary over the neighbouring areas: each click adds a corner, and the
// polygon is written as GeoJSON (WGS-84 longitude/latitude) into the form's text box. On the
// configured base map where Leaflet is there (static/js/basemap.js converts a GCJ-02 map's
// clicks back), else on a plain sketch.
(function () {
  "use strict";
  var box = document.querySelector("[data-draw]");
  var field = document.querySelector("[data-polygon]");
  if (!box || !field) return;
  if (window.L && window.baseMap && box.dataset.basemap) { onBaseMap(box, field); return; }
  var svg = box.querySelector("svg");
  var NS = "http://www.w3.org/2000/svg";
  var others = JSON.parse(box.getAttribute("data-others") || "[]");
  var corners = [];
  var current = null;
  try { current = field.value.trim() ? JSON.parse(field.value) : null; } catch (e) { current = null; }

  function rings(geometry) {
    if (!geometry || !geometry.coordinates) return [];
    if (geometry.type === "Polygon") return geometry.coordinates;
    if (geometry.type === "MultiPolygon") return [].concat.apply([], geometry.coordinates);
    return [];
  }
  // Frame the area being edited (with room around it), or else every area shown.
  var all = [];
  rings(current).forEach(function (r) { all = all.concat(r); });
  var framing = all.length ? 1.0 : 0.15;
  if (!all.length) {
    others.forEach(function (o) { rings(o[1]).forEach(function (r) { all = all.concat(r); }); });
  }
  if (!all.length) all = [[114.25, 30.55], [114.35, 30.65]];  // Wuhan, when nothing is drawn
  var xs = all.map(function (p) { return p[0]; }), ys = all.map(function (p) { return p[1]; });
  var minx = Math.min.apply(null, xs), maxx = Math.max.apply(null, xs);
  var miny = Math.min.apply(null, ys), maxy = Math.max.apply(null, ys);
  var pad = Math.max(maxx - minx, maxy - miny) * framing || 0.002;
  minx -= pad; maxx += pad; miny -= pad; maxy += pad;
  var kx = Math.cos((miny + maxy) / 2 * Math.PI / 180);
  var W = 1000, scale = W / ((maxx - minx) * kx), H = (maxy - miny) * scale;
  svg.setAttribute("viewBox", "0 0 " + W + " " + H.toFixed(0));

  function toXY(p) { return [(p[0] - minx) * kx * scale, (maxy - p[1]) * scale]; }
  function toLngLat(x, y) {
    return [+(minx + x / (kx * scale)).toFixed(6), +(maxy - y / scale).toFixed(6)];
  }
  function path(ringList, cls, title) {
    var d = ringList.map(function (r) {
      return "M" + r.map(function (p) { return toXY(p).map(function (v) { return v.toFixed(1); }).join(","); }).join(" L") + "Z";
    }).join(" ");
    var el = document.createElementNS(NS, "path");
    el.setAttribute("d", d);
    el.setAttribute("class", cls);
    if (title) { var t = document.createElementNS(NS, "title"); t.textContent = title; el.appendChild(t); }
    return el;
  }
  function render() {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    others.forEach(function (o) { svg.appendChild(path(rings(o[1]), "other", o[0])); });
    if (corners.length) {
      svg.appendChild(path([corners], "mine"));
      corners.forEach(function (p) {
        var c = document.createElementNS(NS, "circle"), xy = toXY(p);
        c.setAttribute("cx", xy[0]); c.setAttribute("cy", xy[1]); c.setAttribute("r", 5);
        svg.appendChild(c);
      });
    } else if (current) {
      svg.appendChild(path(rings(current), "mine"));
    }
  }
  function write() {
    if (corners.length >= 3) {
      field.value = JSON.stringify({type: "Polygon", coordinates: [corners.concat([corners[0]])]});
    }
  }
  svg.addEventListener("click", function (event) {
    var point = svg.createSVGPoint();
    point.x = event.clientX; point.y = event.clientY;
    var local = point.matrixTransform(svg.getScreenCTM().inverse());
    corners.push(toLngLat(local.x, local.y));
    write(); render();
  });
  box.querySelector("[data-draw-undo]").addEventListener("click", function () {
    corners.pop(); write(); render();
  });
  box.querySelector("[data-draw-clear]").addEventListener("click", function () {
    corners = []; current = null; field.value = ""; render();
  });
  render();

  function onBaseMap(box, field) {
    var sketch = box.querySelector("svg"), el = document.createElement("div");
    el.className = "draw-map";
    box.insertBefore(el, sketch);
    box.removeChild(sketch);
    var base = window.baseMap(el, JSON.parse(box.dataset.basemap));
    var map = base.map, others = JSON.parse(box.getAttribute("data-others") || "[]");
    var corners = [], drawn = L.layerGroup().addTo(map), current = null;
    try { current = field.value.trim() ? JSON.parse(field.value) : null; } catch (e) { current = null; }
    var outlines = L.featureGroup().addTo(map);
    others.forEach(function (o) {
      var shape = L.geoJSON(base.geojson(JSON.parse(JSON.stringify(o[1]))), {
        style: { className: "other", color: "#64748b", weight: 1, fillOpacity: 0.15 }
      });
      shape.bindTooltip(document.createTextNode(o[0] || ""));
      outlines.addLayer(shape);
    });
    function show(geometry, cls) {
      return L.geoJSON(base.geojson(JSON.parse(JSON.stringify(geometry))), {
        style: { className: cls, color: "#0b6e4f", weight: 2, fillOpacity: 0.3 }
      });
    }
    function render() {
      drawn.clearLayers();
      if (corners.length) {
        drawn.addLayer(L.polygon(corners.map(function (p) { return base.shown(p[1], p[0]); }),
                                 { className: "mine", color: "#0b6e4f", weight: 2, fillOpacity: 0.3 }));
        corners.forEach(function (p) {
          drawn.addLayer(L.circleMarker(base.shown(p[1], p[0]),
                                        { className: "corner", radius: 4, color: "#0b6e4f", fillOpacity: 1 }));
        });
      } else if (current) {
        drawn.addLayer(show(current, "mine"));
      }
    }
    function write() {
      if (corners.length >= 3) {
        field.value = JSON.stringify({ type: "Polygon", coordinates: [corners.concat([corners[0]])] });
      }
    }
    var framed = current ? show(current, "mine").getBounds() : outlines.getBounds();
    if (framed.isValid()) map.fitBounds(framed.pad(current ? 1.0 : 0.05));
    else map.setView(base.shown(30.6, 114.3), 13);  // Wuhan, when nothing is drawn
    map.on("click", function (ev) {
      var p = base.stored(ev.latlng);
      corners.push([+p.lng.toFixed(6), +p.lat.toFixed(6)]);
      write(); render();
    });
    box.querySelector("[data-draw-undo]").addEventListener("click", function () {
      corners.pop(); write(); render();
    });
    box.querySelector("[data-draw-clear]").addEventListener("click", function () {
      corners = []; current = null; field.value = ""; render();
    });
    render();
  }
})();
