/* The operator's console: as the operator types what the caller says, the understanding
   engine (the one that reads SMS) suggests the kind of problem and the place; the
   operator's own choice is never overwritten. The caller's earlier cases appear as soon
   as their number is typed. Without this file the form works as plain HTML. */
(function () {
  "use strict";
  var form = document.getElementById("call-form");
  if (!form) return;
  var text = document.getElementById("description");
  var category = document.getElementById("category");
  var area = document.getElementById("area_id");
  var box = document.getElementById("suggestion");
  var phone = document.getElementById("phone");
  var chosenByHand = { category: !!category.value, area: !!area.value };
  var timer = null, asked = 0;

  var pin = window.intakeMap(document.getElementById("map"), form.elements.lat,
                             form.elements.lng, function () { area.value = ""; chosenByHand.area = true; });
  category.addEventListener("change", function () { chosenByHand.category = true; });
  area.addEventListener("change", function () {
    chosenByHand.area = true;
    if (area.value) pin.clear();
  });

  // The road list filters as the operator types a road's name.
  var filter = document.getElementById("road-filter");
  filter.addEventListener("input", function () {
    var terms = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
    Array.prototype.forEach.call(area.options, function (opt) {
      if (!opt.value) return;
      var hay = opt.dataset.search || "";
      opt.hidden = !terms.every(function (t) { return hay.indexOf(t) >= 0; });
    });
  });
  filter.addEventListener("keydown", function (ev) { if (ev.key === "Enter") ev.preventDefault(); });

  text.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 120);
  });

  function ask() {
    var mine = ++asked;
    fetch(form.dataset.suggest + "?text=" + encodeURIComponent(text.value), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (r) { return r.json(); }).then(function (d) {
      if (mine !== asked) return;  // an older answer arriving late
      var parts = [];
      if (d.category) {
        parts.push(d.category + " " + d.category_name);
        if (!chosenByHand.category) category.value = d.category;
      }
      d.alternatives.forEach(function (a) { parts.push("(" + a.code + " " + a.name + ")"); });
      if (d.area_id) {
        parts.push(box.dataset.place + " " + d.place);
        if (!chosenByHand.area && !form.elements.lat.value) area.value = String(d.area_id);
      }
      box.textContent = parts.join(" · ");
      box.hidden = parts.length === 0;
    }).catch(function () {});
  }

  phone.addEventListener("change", function () {
    var url = form.getAttribute("action") + "?phone=" + encodeURIComponent(phone.value);
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("caller"), old = document.getElementById("caller");
        if (fresh && old) old.replaceWith(fresh);
        var err = doc.getElementById("phone-error"), mine = document.getElementById("phone-error");
        if (mine) mine.remove();
        if (err) phone.insertAdjacentElement("beforebegin", document.importNode(err, true));
      }).catch(function () {});
  });
  if (text.value) ask();
})();
