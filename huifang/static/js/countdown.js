// Keeps every deadline countdown on the page current (剩余 1小时20分 / 已超时 3小时) without a round trip.
(function () {
  "use strict";
  var T = JSON.parse(document.getElementById("countdown-formats").textContent);
  function fill(fmt, values) { return fmt.replace(/%\((\w+)\)s/g, function (_, k) { return values[k]; }); }
  function duration(ms) {
    var minutes = Math.floor(Math.abs(ms) / 60000), d = Math.floor(minutes / 1440), h = Math.floor((minutes % 1440) / 60), m = minutes % 60;
    if (d) { return fill(T.dh, {d: d, h: h}); }
    if (h) { return fill(T.hm, {h: h, m: m}); }
    return fill(T.m, {m: m});
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time.countdown[datetime]").forEach(function (el) {
      var ms = Date.parse(el.getAttribute("datetime")) - now;
      el.textContent = fill(ms >= 0 ? T.left : T.over, {time: duration(ms)});
      el.classList.toggle("bad", ms < 0);
      el.classList.toggle("warn", ms >= 0 && ms < 4 * 3600000);
    });
  }
  document.addEventListener("htmx:afterSettle", tick);
  setInterval(tick, 30000);
})();
