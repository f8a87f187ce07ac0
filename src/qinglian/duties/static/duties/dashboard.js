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
  // On a phone the legend wraps onto as many lines as it needs (about three entries a line) above the plot.
  var grid = function (entries) {
    var top = narrow.matches ? 12 + 24 * Math.ceil(entries / 3) : 40;
    return { left: 8, right: 16, top: top, bottom: 8, containLabel: true };
  };
  var legend = { top: 0, type: "plain" };
  var axisLabel = { interval: 0, hideOverlap: true, width: 90, overflow: "truncate" };

  // A sideways chart grows with its rows (about 28px each, several series a row) rather than squeezing them.
  function draw(id, option, rows) {
    var el = document.getElementById(id);
    if (!el) { return; }
    if (rows) { el.style.height = Math.max(el.clientHeight, 120 + rows * 28) + "px"; }
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
      grid: grid(d.series.length),
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
      grid: grid(d.series.length * 1.5),
      xAxis: axes.xAxis,
      yAxis: axes.yAxis,
      series: d.series.map(function (s) {
        return { name: s.name, type: "bar", data: s.values, itemStyle: { color: s.colour }, barMaxWidth: 28 };
      })
    }, axes.rows && axes.rows * d.series.length);
  }

  // Rate and days have different units: one chart each, bars sideways so that the sources' names stay whole.
  function bySource(id, d, values, name, colour, percent) {
    var format = function (v) { return v === null || v === undefined ? "—" : v.toFixed(1) + (percent ? "%" : ""); };
    draw(id, {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: format },
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", min: 0, max: percent ? 100 : null, axisLabel: { formatter: percent ? "{value}%" : "{value}" } },
      yAxis: { type: "category", data: d.sources, inverse: true,
               axisLabel: { width: narrow.matches ? 96 : 150, overflow: "break", lineHeight: 14 } },
      series: [{ name: name, type: "bar", data: values, itemStyle: { color: colour }, barMaxWidth: 22,
                 label: { show: true, position: "right", formatter: function (p) { return format(p.value); } } }]
    }, d.sources.length * 1.4);
  }

  function rectification(d) {
    bySource("chart-rect-rate", d, d.rate, d.rate_name, "#198754", true);
    bySource("chart-rect-days", d, d.median, d.median_name, "#0d6efd", false);
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
      grid: grid(2),
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
        legend: { bottom: 0, type: "plain" },
        color: ["#198754", "#0d6efd", "#fd7e14", "#b71c1c", "#6f42c1", "#adb5bd"],
        series: [{ type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], data: d.grades,
                   label: { position: "inside", formatter: "{c}", color: "#fff", fontWeight: 600 } }]
      });
    }
  }

  if (data.tasks) { tasks(data.tasks); }
  if (data.departments) { departments(data.departments); }
  if (data.rectification) { rectification(data.rectification); }
  if (data.assessment) { assessment(data.assessment); }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
