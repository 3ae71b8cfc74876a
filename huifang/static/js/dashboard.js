(function () {
  "use strict";
  // Series names come translated from the template (data-* on this script tag).
  var label = document.currentScript.dataset;
  var source = document.getElementById("trend-data");
  if (!source || !window.echarts) { return; }
  var d = JSON.parse(source.textContent);
  var font = { fontFamily: '"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif' };
  var calls = echarts.init(document.getElementById("chart-calls"));
  calls.setOption({ textStyle: font, tooltip: { trigger: "axis" }, legend: {}, grid: { left: 40, right: 20, top: 36, bottom: 30 },
    xAxis: { type: "category", data: d.days }, yAxis: { type: "value", minInterval: 1 },
    series: [{ name: label.calls, type: "bar", data: d.calls }, { name: label.complaints, type: "line", data: d.complaints }] });
  var rates = echarts.init(document.getElementById("chart-rates"));
  rates.setOption({ textStyle: font, tooltip: { trigger: "axis" }, legend: {}, grid: { left: 40, right: 20, top: 36, bottom: 30 },
    xAxis: { type: "category", data: d.days }, yAxis: { type: "value", min: 0, max: 100 },
    series: [{ name: label.reach, type: "line", data: d.reach }, { name: "CSS", type: "line", data: d.score }] });
  window.addEventListener("resize", function () { calls.resize(); rates.resize(); });
})();
