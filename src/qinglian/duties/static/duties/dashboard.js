// The responsibility dashboard's charts, drawn with ECharts from the data the page carries in
// <script type="application/json" id="dashboard-data"> (no inline script: the CSP forbids it).
// Each chart only repeats the table under it, which is the accessible version.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var charts = [];
  var narrow = window.matchMedia("(max-width: 575.98px)");
  var grid = function (bottom) { return { left: 8, right: 16, top: 40, bottom: bottom || 8, containLabel: true }; };
  var legend = { top: 0, type: "scroll" };
  var axisLabel = { interval: 0, hideOverlap: true, width: 90, overflow: "truncate" };

  // A sideways chart grows with its rows (about 28px each, several series a row) rather than squeezing them.
  function draw(id, option, rows) {
    var el = document.getElementById(id);
    if (!el) { return; }
    if (rows) { el.style.height = Math.max(el.clientHeight, 72 + rows * 28) + "px"; }
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    charts.push(chart);
  }

  // Many units: bars run sideways so that every name stays readable on a phone.
  function unitAxes(names) {
    var sideways = narrow.matches || names.length > 8;
    var category = { type: "category", data: names, axisLabel: axisLabel, inverse: sideways };
    var value = { type: "value", minInterval: 1 };
    return sideways ? { xAxis: value, yAxis: category, rows: names.length } : { xAxis: category, yAxis: value };
  }

  function tasks(d) {
    var axes = unitAxes(d.units);
    draw("chart-tasks", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: legend,
      grid: grid(),
      xAxis: axes.xAxis,
      yAxis: axes.yAxis,
      series: d.series.map(function (s) {
        return { name: s.name, type: "bar", stack: s.stack, data: s.values, itemStyle: { color: s.colour },
                 barMaxWidth: 36, emphasis: { focus: "series" } };
      })
    }, axes.rows);
  }

  function departments(d) {
    var axes = unitAxes(d.names);
    draw("chart-departments", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: legend,
      grid: grid(),
      xAxis: axes.xAxis,
      yAxis: axes.yAxis,
      series: d.series.map(function (s) {
        return { name: s.name, type: "bar", data: s.values, itemStyle: { color: s.colour }, barMaxWidth: 28 };
      })
    }, axes.rows && axes.rows * d.series.length);
  }

  function rectification(d) {
    var sideways = narrow.matches || d.sources.length > 5;
    var category = { type: "category", data: d.sources, axisLabel: axisLabel, inverse: sideways };
    var rate = { type: "value", name: d.rate_name, min: 0, max: 100, axisLabel: { formatter: "{value}%" } };
    var days = { type: "value", name: d.median_name, min: 0, splitLine: { show: false } };
    draw("chart-rectification", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: legend,
      grid: sideways ? grid(24) : { left: 8, right: 8, top: 64, bottom: 8, containLabel: true },
      xAxis: sideways ? [rate, days] : category,
      yAxis: sideways ? category : [rate, days],
      series: [
        { name: d.rate_name, type: "bar", data: d.rate, itemStyle: { color: "#198754" }, barMaxWidth: 28,
          tooltip: { valueFormatter: function (v) { return v === null ? "—" : v.toFixed(1) + "%"; } } },
        { name: d.median_name, type: "bar", data: d.median, itemStyle: { color: "#0d6efd" }, barMaxWidth: 28,
          xAxisIndex: sideways ? 1 : undefined, yAxisIndex: sideways ? undefined : 1,
          tooltip: { valueFormatter: function (v) { return v === null ? "—" : v.toFixed(1); } } }
      ]
    }, sideways ? d.sources.length * 2 : 0);
    var gauge = document.getElementById("chart-closure-gauge");
    if (gauge) {
      draw("chart-closure-gauge", {
        series: [{
          type: "gauge", min: 0, max: 100, radius: "95%", center: ["50%", "60%"], startAngle: 200, endAngle: -20,
          progress: { show: true, width: 12, itemStyle: { color: "#198754" } },
          axisLine: { lineStyle: { width: 12 } }, axisTick: { show: false }, splitLine: { show: false },
          axisLabel: { show: false }, pointer: { show: false }, anchor: { show: false }, title: { show: false },
          detail: { valueAnimation: false, offsetCenter: [0, "0%"], fontSize: 22, fontWeight: 600,
                    formatter: function (v) { return v.toFixed(1) + "%"; } },
          data: [{ value: Number(gauge.dataset.value) }]
        }]
      });
    }
  }

  function assessment(d) {
    var axes = unitAxes(d.units);
    draw("chart-assessment", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: legend,
      grid: grid(),
      xAxis: axes.xAxis,
      yAxis: axes.yAxis,
      series: [
        { name: d.last_name, type: "bar", data: d.last, itemStyle: { color: "#adb5bd" }, barMaxWidth: 24 },
        { name: d.this_name, type: "bar", data: d.this, itemStyle: { color: "#b71c1c" }, barMaxWidth: 24 }
      ]
    }, axes.rows && axes.rows * 2);
    if (d.grades.length) {
      draw("chart-grades", {
        tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
        legend: { bottom: 0, type: "scroll" },
        color: ["#198754", "#0d6efd", "#fd7e14", "#b71c1c", "#6f42c1", "#adb5bd"],
        series: [{ type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], data: d.grades,
                   label: { formatter: "{b}\n{c}" } }]
      });
    }
  }

  if (data.tasks) { tasks(data.tasks); }
  if (data.departments) { departments(data.departments); }
  if (data.rectification) { rectification(data.rectification); }
  if (data.assessment) { assessment(data.assessment); }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
