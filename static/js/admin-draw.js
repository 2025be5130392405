// Draw an area's boundary on a sketch of the neighbouring areas: each click adds a corner,
// and the polygon is written as GeoJSON into the form's text box. Works without a map
// library; coordinates are longitude/latitude.
(function () {
  "use strict";
  var box = document.querySelector("[data-draw]");
  var field = document.querySelector("[data-polygon]");
  if (!box || !field) return;
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
})();
