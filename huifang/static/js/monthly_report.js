(function () {
  "use strict";
  var d = JSON.parse(document.getElementById("monthly-data").textContent);
  if (!window.echarts) { return; }
  var font = { fontFamily: '"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif' };
  function draw(id, categories, series, max) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = echarts.init(el);
    chart.setOption({ textStyle: font, tooltip: { trigger: "axis" }, legend: {}, grid: { left: 40, right: 20, top: 36, bottom: 50 },
      xAxis: { type: "category", data: categories, axisLabel: { interval: 0, rotate: categories.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", min: 0, max: max }, series: series });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  var t = d.text;
  draw("chart-css", d.css.labels, [
    { name: t.previous, type: "bar", data: d.css.previous }, { name: t.current, type: "bar", data: d.css.current },
    { name: t.region, type: "line", data: d.css.region }], 100);
  draw("chart-category", d.category.labels, [{ name: t.complaints, type: "bar", data: d.category.counts }]);
  draw("chart-buckets", d.buckets.labels, [{ name: t.complaints, type: "bar", data: d.buckets.counts }]);
  draw("chart-lost", d.lost.labels, [{ name: t.new, type: "line", data: d.lost.new }, { name: t.lost, type: "line", data: d.lost.lost }]);
  draw("chart-kpis", d.kpis.labels, [{ name: t.target, type: "bar", data: d.kpis.target }, { name: t.actual, type: "bar", data: d.kpis.actual }], 100);
})();
