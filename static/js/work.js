// Staff screens: a form sends once. A second tap while the first is on its way is
// ignored (the server would refuse it anyway: every action carries the case version).
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.method.toLowerCase() !== "post") return;
  if (form.dataset.sent) { event.preventDefault(); return; }
  form.dataset.sent = "1";
  form.querySelectorAll("button[type=submit]").forEach(function (b) { b.setAttribute("aria-busy", "true"); });
});
window.addEventListener("pageshow", function (event) {
  if (event.persisted) document.querySelectorAll("form[data-sent]").forEach(function (f) { delete f.dataset.sent; });
});
