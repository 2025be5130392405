/* A button marked data-print prints the page (no inline handler: the CSP allows none). */
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    if (ev.target.closest && ev.target.closest("[data-print]")) window.print();
  });
})();
