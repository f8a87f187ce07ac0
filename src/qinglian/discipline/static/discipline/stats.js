// The four-forms statistics' chart: persons-times under each form by period, stacked, drawn with ECharts from
// <script type="application/json" id="stats-data"> (no inline script: the CSP forbids it). The table "By period"
// holds the same numbers and is the accessible version.
(function () {
  "use strict";
  var source = document.getElementById("stats-data");
  var el = document.getElementById("chart-periods");
  if (!source || !el || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var narrow = window.matchMedia("(max-width: 575.98px)");
  var chart = window.echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0, type: "plain" },
    grid: { left: 8, right: 16, top: narrow.matches ? 60 : 40, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.periods, axisLabel: { hideOverlap: true } },
    yAxis: { type: "value", minInterval: 1 },
    series: data.series.map(function (s) {
      return { name: s.name, type: "bar", stack: "forms", data: s.values, itemStyle: { color: s.colour },
               barMaxWidth: 36, emphasis: { focus: "series" } };
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
