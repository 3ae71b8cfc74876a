// Repair-order lines open and close with the order number (a <details> toggle), without a round trip.
(function () {
  "use strict";
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!(details instanceof HTMLDetailsElement) || !details.classList.contains("ro-lines-toggle")) { return; }
    var body = details.closest("tbody");
    var lines = body && body.querySelector("tr.ro-lines");
    if (lines) { lines.hidden = !details.open; }
  }, true);
})();
