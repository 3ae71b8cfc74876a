// The team board's watchdog: htmx polls the figures; when refreshes fail (network, server) or stop arriving for
// `data-stale-after` seconds, a banner says the figures may be out of date, until a refresh succeeds again.
(function () {
  "use strict";
  function start() {
    var live = document.getElementById("board-live");
    var banner = document.getElementById("board-stale");
    if (!live || !banner || !live.hasAttribute("hx-get")) return;
    var staleAfter = parseInt(live.getAttribute("data-stale-after"), 10) || 90;
    var lastOk = Date.now();
    function fresh() { lastOk = Date.now(); banner.hidden = true; document.body.classList.remove("is-stale"); }
    function stale() { banner.hidden = false; document.body.classList.add("is-stale"); }
    live.addEventListener("htmx:afterSwap", fresh);
    ["htmx:responseError", "htmx:sendError", "htmx:timeout"].forEach(function (name) {
      live.addEventListener(name, stale);
    });
    setInterval(function () {
      if (Date.now() - lastOk > staleAfter * 1000) stale();
    }, 5000);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
