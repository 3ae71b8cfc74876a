// Reminded, booked, arrived and returned per month as bars, the return rate as a line on the right axis.
(function () {
  "use strict";
  var source = document.getElementById("effectiveness-data");
  var el = document.getElementById("chart-effectiveness");
  if (!source || !el || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    color: ["#1849a9", "#6941c6", "#2e90fa", "#0f6b4f", "#f79009"],
    textStyle: { fontFamily: '"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif' },
    tooltip: { trigger: "axis" },
    legend: { data: [data.text.reminded, data.text.booked, data.text.arrived, data.text.returned, data.text.rate] },
    grid: { left: 40, right: 50, top: 36, bottom: 30 },
    xAxis: { type: "category", data: data.months },
    yAxis: [
      { type: "value", minInterval: 1 },
      { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } }
    ],
    series: [
      { name: data.text.reminded, type: "bar", barMaxWidth: 36, data: data.reminded },
      { name: data.text.booked, type: "bar", barMaxWidth: 36, data: data.booked },
      { name: data.text.arrived, type: "bar", barMaxWidth: 36, data: data.arrived },
      { name: data.text.returned, type: "bar", barMaxWidth: 36, data: data.returned },
      { name: data.text.rate, type: "line", yAxisIndex: 1, symbolSize: 6, connectNulls: false, data: data.rate }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
