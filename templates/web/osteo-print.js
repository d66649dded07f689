/* osteo-print web pages: small enhancements; every page reads fully without them.
   Checklist ticks are remembered in this browser's local storage only: nothing is sent
   anywhere. */
(function () {
  "use strict";
  function storage() {
    try { var s = window.localStorage; s.setItem("osteo-print-test", "1"); s.removeItem("osteo-print-test"); return s; }
    catch (e) { return null; }
  }
  function remember() {
    var store = storage();
    if (!store) return;
    var page = document.body.getAttribute("data-page") || location.pathname;
    document.querySelectorAll("input[type=checkbox][data-remember]").forEach(function (box) {
      var key = "osteo-print:" + page + ":" + box.id;
      box.checked = store.getItem(key) === "1";
      box.addEventListener("change", function () {
        if (box.checked) store.setItem(key, "1"); else store.removeItem(key);
      });
    });
  }
  function printButtons() {
    document.querySelectorAll(".print-button").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { remember(); printButtons(); });
})();
