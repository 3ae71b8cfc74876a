// Draws the lounge compliance chart (percent of signed days per item) from the json_script data.
(function () {
  "use strict";
  var source = document.getElementById("compliance-data");
  var el = document.getElementById("chart-compliance");
  if (!source || !el || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    color: ["#0f6b4f"],
    textStyle: { fontFamily: '"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif' },
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v + "%"; } },
    grid: { left: 8, right: 48, top: 10, bottom: 24, containLabel: true },
    xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", inverse: true, data: data.labels },
    series: [{ name: data.name, type: "bar", data: data.values, barMaxWidth: 18, label: { show: true, position: "right", formatter: "{c}%" } }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
