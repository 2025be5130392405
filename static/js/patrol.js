/* The patrol form on a phone: each photo is kept on the server as soon as it is taken
   (its GPS tag, if any, puts the pin on the map to confirm), "use my position" fills the
   place, and the form is sent in the background: when the connection fails nothing is
   lost and Send can be tapped again. What was typed is also kept in this tab's storage
   until the report is sent. */
(function () {
  "use strict";
  var form = document.getElementById("patrol-form");
  if (!form) return;
  var KEY = "patrol-draft";
  var csrf = form.elements.csrf_token.value;
  var words = document.getElementById("place-words");
  var placeError = document.getElementById("place-error");
  var status = document.getElementById("photo-status");
  var failed = document.getElementById("send-failed");
  var mapEl = document.getElementById("map");

  function describe(a, o) {
    fetch(mapEl.dataset.placeUrl + "?lat=" + a + "&lng=" + o, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (d) {
        words.textContent = d.place || (a.toFixed(5) + ", " + o.toFixed(5));
        placeError.hidden = !d.error;
        placeError.textContent = d.error || "";
      }).catch(function () {});
  }
  var pin = window.intakeMap(mapEl, form.elements.lat, form.elements.lng, function (a, o) {
    describe(a, o); save();
  });

  var locate = document.getElementById("locate");
  if (navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        pin.place(pos.coords.latitude, pos.coords.longitude, true);
      }, function () {
        placeError.hidden = false;
        placeError.textContent = locate.dataset.failed || "";
      }, { enableHighAccuracy: true, timeout: 10000 });
    });
  }

  // Keep each photo on the server at once; the file input is emptied so that the form
  // itself stays small.
  function keep(input, listId, name) {
    input.addEventListener("change", function () {
      Array.prototype.forEach.call(input.files, function (file) {
        var body = new FormData();
        body.append("csrf_token", csrf);
        body.append("photo", file);
        status.textContent = "…";
        fetch(form.getAttribute("action") + "photo-place.json", {
          method: "POST", body: body, credentials: "same-origin",
          headers: { "X-CSRFToken": csrf, Accept: "application/json" }
        }).then(function (r) { return r.json().then(function (d) { return [r.ok, d]; }); })
          .then(function (res) {
            var d = res[1];
            if (!res[0]) { status.textContent = d.error || ""; return; }
            status.textContent = "";
            var li = document.createElement("li");
            var img = document.createElement("img");
            img.src = d.preview; img.alt = "";
            var hidden = document.createElement("input");
            hidden.type = "hidden"; hidden.name = name; hidden.value = d.token;
            li.appendChild(img); li.appendChild(hidden);
            document.getElementById(listId).appendChild(li);
            input.value = "";
            if (name === "held" && d.lat !== null && !form.elements.lat.value) {
              pin.place(d.lat, d.lng, true);
            }
            save();
          }).catch(function () { status.textContent = ""; });  // sent with the form instead
      });
    });
  }
  keep(document.getElementById("photos"), "held-photos", "held");
  keep(document.getElementById("after_photos"), "after-held", "after_held");

  var fixed = document.getElementById("fixed"), after = document.getElementById("after-field");
  function showAfter() { after.hidden = !fixed.checked; }
  fixed.addEventListener("change", showAfter);
  after.classList.remove("js-hide");
  showAfter();

  function save() {
    var keep = {};
    ["category", "urgency", "note", "lat", "lng", "fixed"].forEach(function (n) {
      var el = form.elements[n];
      if (!el) return;
      if (el.type === "checkbox") keep[n] = el.checked;
      else keep[n] = el.value;
    });
    keep.held = Array.prototype.map.call(form.querySelectorAll("input[name=held]"), function (i) { return i.value; });
    keep.after = Array.prototype.map.call(form.querySelectorAll("input[name=after_held]"), function (i) { return i.value; });
    try { sessionStorage.setItem(KEY, JSON.stringify(keep)); } catch (e) { /* private mode */ }
  }
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  if (new URLSearchParams(location.search).has("done")) {
    try { sessionStorage.removeItem(KEY); } catch (e) { /* private mode */ }
  } else if (!form.querySelector("input[name=category]:checked") &&
             !form.querySelector("input[name=held]")) {
    restore();  // the page was reloaded before the report was sent
  }

  function restore() {
    var kept = null;
    try { kept = JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch (e) { kept = null; }
    if (!kept) return;
    ["category", "urgency"].forEach(function (n) {
      var r = form.querySelector("input[name=" + n + "][value='" + (kept[n] || "").replace(/[^a-z0-9_]/gi, "") + "']");
      if (r) r.checked = true;
    });
    form.elements.note.value = kept.note || "";
    fixed.checked = !!kept.fixed; showAfter();
    [["held", "held-photos"], ["after", "after-held"]].forEach(function (pair) {
      (kept[pair[0]] || []).forEach(function (token) {
        var li = document.createElement("li");
        var hidden = document.createElement("input");
        hidden.type = "hidden"; hidden.name = pair[0] === "held" ? "held" : "after_held";
        hidden.value = token;
        li.textContent = "\u2713";
        li.appendChild(hidden);
        document.getElementById(pair[1]).appendChild(li);
      });
    });
    if (kept.lat && kept.lng) pin.place(+kept.lat, +kept.lng, true);
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    failed.hidden = true;
    var send = document.getElementById("send");
    send.disabled = true;
    var body = new FormData(form);
    body.append("action", "send");
    fetch(form.getAttribute("action"), { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) {
        if (r.redirected && r.ok) {
          try { sessionStorage.removeItem(KEY); } catch (e) { /* private mode */ }
          history.replaceState(null, "", r.url);
        }
        return r.text().then(function (html) {
          // The page the server answered: a fresh form with the report among today's
          // (and its message), or the form as sent with its messages and photos kept.
          document.open(); document.write(html); document.close();
        });
      })
      .catch(function () {
        failed.hidden = false;
        send.disabled = false;
      });
  });
})();
