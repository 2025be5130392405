/* The report form keeps a draft in this browser: what the resident types is saved as they
   type, and offered again when the form is opened later (after a failed send, an outage,
   a closed tab). The page that confirms a report deletes the draft. Files cannot be kept. */
(function () {
  "use strict";
  var KEY = "roadchief.report-draft";
  var store;
  try { store = window.localStorage; store.getItem(KEY); } catch (e) { return; }

  var sent = document.querySelector("[data-report-sent]");
  if (sent) { store.removeItem(KEY); return; }
  var form = document.getElementById("report-form");
  var bar = document.getElementById("draft-offer");
  if (!form || !bar) return;

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf_token" && el.name !== "nearby_seen" &&
        el.name !== "held" && el.type !== "file" && el.type !== "submit" &&
        el.type !== "button" && el.type !== "hidden" || (el.type === "hidden" &&
        (el.name === "lat" || el.name === "lng"));
    });
  }

  function read() {
    var data = {};
    fields().forEach(function (el) {
      if (el.type === "radio") { if (el.checked) data[el.name] = el.value; }
      else if (el.type === "checkbox") data[el.name] = el.checked;
      else data[el.name] = el.value;
    });
    return data;
  }

  function filled(data) {
    return Object.keys(data).some(function (k) {
      return data[k] && data[k] !== true && String(data[k]).trim() !== "" &&
        k !== "urgency";
    });
  }

  function save() {
    var data = read();
    if (!filled(data)) return;
    try { store.setItem(KEY, JSON.stringify({ at: Date.now(), data: data })); } catch (e) { }
  }

  function restore(data) {
    fields().forEach(function (el) {
      if (!(el.name in data)) return;
      if (el.type === "radio") el.checked = el.value === data[el.name];
      else if (el.type === "checkbox") el.checked = !!data[el.name];
      else el.value = data[el.name];
      el.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  var saved = null;
  try { saved = JSON.parse(store.getItem(KEY) || "null"); } catch (e) { saved = null; }
  // Offered only on an empty form: one the server sent back filled in is newer.
  if (saved && saved.data && filled(saved.data) && !filled(read())) {
    bar.hidden = false;
    bar.querySelector("[data-draft-restore]").addEventListener("click", function () {
      restore(saved.data);
      bar.hidden = true;
    });
    bar.querySelector("[data-draft-discard]").addEventListener("click", function () {
      store.removeItem(KEY);
      bar.hidden = true;
    });
  }
  var timer = null;
  function later() { clearTimeout(timer); timer = setTimeout(save, 300); }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  form.addEventListener("submit", save);
})();
