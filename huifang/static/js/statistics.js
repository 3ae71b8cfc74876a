// Draws the statistics page's charts from the figures the server embedded with json_script.
(function () {
  "use strict";
  var source = document.getElementById("stats-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var palette = ["#0f6b4f", "#1849a9", "#f79009", "#b42318", "#6941c6", "#0e9384", "#c11574", "#667085", "#4e5ba6", "#93370d", "#3b7c0f", "#98a2b3"];
  var charts = [];

  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    option.color = palette;
    option.textStyle = { fontFamily: '"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif' };
    chart.setOption(option);
    charts.push(chart);
  }

  function labels(rows) { return rows.map(function (r) { return r.label; }); }
  function counts(rows) { return rows.map(function (r) { return r.count; }); }

  draw("chart-monthly", {
    tooltip: { trigger: "axis" },
    legend: { data: [data.text.new, data.text.lost] },
    grid: { left: 40, right: 20, top: 36, bottom: 30 },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: data.text.new, type: "line", smooth: false, symbolSize: 6, data: data.new_per_month },
      { name: data.text.lost, type: "line", smooth: false, symbolSize: 6, data: data.lost_per_month, color: "#b42318" }
    ]
  });
  draw("chart-by_model", {
    tooltip: { trigger: "axis" },
    grid: { left: 40, right: 20, top: 20, bottom: 40 },
    xAxis: { type: "category", data: labels(data.by_model), axisLabel: { interval: 0, rotate: data.by_model.length > 6 ? 30 : 0 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", data: counts(data.by_model), barMaxWidth: 36 }]
  });
  ["by_gender", "by_occupation"].forEach(function (key) {
    draw("chart-" + key, {
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { type: "scroll", orient: "vertical", right: 0, top: "middle" },
      series: [{
        type: "pie", radius: ["35%", "65%"], center: ["38%", "50%"],
        data: data[key].map(function (r) { return { name: r.label, value: r.count }; }),
        label: { formatter: "{b}\n{c}" }
      }]
    });
  });
  draw("chart-by_age", {
    tooltip: { trigger: "axis" },
    grid: { left: 40, right: 20, top: 20, bottom: 30 },
    xAxis: { type: "category", data: labels(data.by_age) },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ type: "bar", data: counts(data.by_age), barMaxWidth: 36, color: "#1849a9" }]
  });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
