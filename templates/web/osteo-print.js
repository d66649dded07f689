/* osteo-print web pages: small enhancements; every page reads fully without them.
   Ticks are remembered in this browser's local storage only, under the page's own key
   (body data-page) and each box's data-remember: nothing is sent anywhere, and one
   page's ticks are never another's. The print and "clear" buttons, and the note that
   says where ticks are kept, stay hidden unless this script runs. */
(function () {
  "use strict";
  var PREFIX = "osteo-print:";
  function storage() {
    try {
      var s = window.localStorage, probe = PREFIX + "probe";
      s.setItem(probe, "1"); s.removeItem(probe);
      return s;
    } catch (e) { return null; }
  }
  function keyOf(box) {
    var page = document.body.getAttribute("data-page") || location.pathname;
    return PREFIX + page + ":" + (box.getAttribute("data-remember") || box.id);
  }
  function boxes(root) {
    return Array.prototype.slice.call(
      root.querySelectorAll("input[type=checkbox][data-remember]"));
  }
  function remember(store) {
    boxes(document).forEach(function (box) {
      var key = keyOf(box);
      box.checked = store.getItem(key) === "1";
      box.addEventListener("change", function () {
        if (box.checked) store.setItem(key, "1"); else store.removeItem(key);
      });
    });
    document.querySelectorAll(".privacy").forEach(function (note) { note.hidden = false; });
  }
  function clearButtons(store) {
    document.querySelectorAll("[data-tracker] .clear-ticks").forEach(function (button) {
      var tracker = button.closest("[data-tracker]");
      button.hidden = false;
      button.addEventListener("click", function () {
        boxes(tracker).forEach(function (box) {
          box.checked = false;
          if (store) store.removeItem(keyOf(box));
        });
      });
    });
  }
  function printButtons() {
    document.querySelectorAll(".print-button").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }
  function start() {
    var store = storage();
    if (store) remember(store);
    clearButtons(store);
    printButtons();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
