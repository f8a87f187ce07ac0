// The evaluation dashboard's charts, drawn with ECharts from <script type="application/json"
// id="evaluation-dashboard-data"> (no inline script: the CSP forbids it). Every chart repeats the table beside it,
// which is the accessible version; a missing value (null) is left out of a chart, never drawn as zero.
(function () {
  "use strict";
  var source = document.getElementById("evaluation-dashboard-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var L = data.labels || {};
  var charts = [];
  var narrow = window.matchMedia("(max-width: 575.98px)");
  var RED = "#b71c1c", GREY = "#9e9e9e", BLUE = "#1565c0";
  var fmt = function (v) { return v === null || v === undefined ? "—" : String(v); };

  function draw(id, option, rows) {
    var el = document.getElementById(id);
    if (!el) { return; }
    if (rows) { el.style.height = Math.max(el.clientHeight, 80 + rows * 28) + "px"; }
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(option);
    charts.push(chart);
  }

  function ranking(r) {
    if (!r || !r.rows.length) { return; }
    draw("chart-ranking", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: fmt },
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100 },
      yAxis: { type: "category", inverse: true, data: r.rows.map(function (x) { return x.name; }),
               axisLabel: { width: narrow.matches ? 96 : 150, overflow: "truncate" } },
      series: [{ name: L.total, type: "bar", barMaxWidth: 22, itemStyle: { color: RED },
                 data: r.rows.map(function (x) { return x.total; }),
                 label: { show: true, position: "right", formatter: function (p) { return fmt(p.value); } } }]
    }, r.rows.length);
  }

  function radar(r) {
    if (!r) { return; }
    var axes = r.rows.filter(function (x) { return x.on_radar; });
    var series = [{ value: axes.map(function (x) { return x.value; }), name: r.name,
                    itemStyle: { color: RED }, areaStyle: { opacity: 0.15 } }];
    if (axes.some(function (x) { return x.peer_mean !== null; })) {
      series.push({ value: axes.map(function (x) { return x.peer_mean; }), name: L.peer_mean,
                    itemStyle: { color: GREY }, lineStyle: { type: "dashed" } });
    }
    draw("chart-radar", {
      tooltip: {},
      legend: { bottom: 0 },
      radar: { radius: narrow.matches ? "55%" : "65%", center: ["50%", "48%"],
               indicator: axes.map(function (x) { return { name: x.label, min: 0, max: 100 }; }) },
      series: [{ type: "radar", data: series }]
    });
  }

  function trend(t) {
    if (!t || !t.rows.length) { return; }
    var colours = [RED, "#2e7d32", BLUE, "#ef6c00", "#6d4c41"];
    draw("chart-trend", {
      tooltip: { trigger: "axis", valueFormatter: fmt },
      legend: { top: 0, type: narrow.matches ? "scroll" : "plain" },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: t.rows.map(function (x) { return String(x.year); }) },
      yAxis: { type: "value", min: 0 },
      series: t.series.map(function (s, i) {
        return { name: s.label, type: "line", connectNulls: false, symbolSize: i === 0 ? 9 : 6,
                 lineStyle: { width: i === 0 ? 3 : 1.5 }, itemStyle: { color: colours[i % colours.length] },
                 data: t.rows.map(function (x) { return x[s.key]; }) };
      })
    });
  }

  function tree(t) {
    if (!t || !t.roots.length) { return; }
    var root = t.roots.length === 1 ? t.roots[0] : { name: "", children: t.roots, itemStyle: { color: "#fff" } };
    draw("chart-tree", {
      tooltip: { formatter: function (p) { return p.name + ": " + fmt(p.value) + (p.data.grade ? " · " + p.data.grade : ""); } },
      series: [{ type: "tree", data: [root], top: 16, bottom: 16, left: narrow.matches ? 80 : 120, right: narrow.matches ? 90 : 140,
                 symbolSize: 14, initialTreeDepth: -1, expandAndCollapse: true,
                 label: { position: "left", verticalAlign: "middle", align: "right",
                          formatter: function (p) { return p.name + (p.value === null || p.value === undefined ? "" : "  " + p.value); } },
                 leaves: { label: { position: "right", align: "left" } } }]
    });
  }

  // Point estimates with their intervals (95%) as error bars: a custom series draws each interval as a line with caps.
  function interval(api) {
    var low = api.coord([api.value(1), api.value(0)]);
    var high = api.coord([api.value(2), api.value(0)]);
    var cap = 5;
    var style = { stroke: "#424242", lineWidth: 1.5 };
    return { type: "group", children: [
      { type: "line", shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style: style },
      { type: "line", shape: { x1: low[0], y1: low[1] - cap, x2: low[0], y2: low[1] + cap }, style: style },
      { type: "line", shape: { x1: high[0], y1: high[1] - cap, x2: high[0], y2: high[1] + cap }, style: style }
    ] };
  }

  function estimates(f) {
    var rows = f.estimates.filter(function (e) { return e.coef !== null; });
    if (!rows.length) { return; }
    var names = rows.map(function (e) { return e.label || e.name; });
    draw("chart-estimates-" + f.id, {
      tooltip: { trigger: "item" },
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", scale: true },
      yAxis: { type: "category", inverse: true, data: names, axisLabel: { width: narrow.matches ? 90 : 140, overflow: "truncate" } },
      series: [
        { name: L.interval, type: "custom", renderItem: function (params, api) { return interval(api); },
          encode: { x: [1, 2], y: 0 },
          data: rows.filter(function (e) { return e.ci_low !== null && e.ci_high !== null; })
            .map(function (e) { return [names.indexOf(e.label || e.name), e.ci_low, e.ci_high]; }) },
        { name: L.estimate, type: "scatter", symbolSize: 10, itemStyle: { color: RED },
          data: rows.map(function (e) { return [e.coef, e.label || e.name]; }),
          markLine: { silent: true, symbol: "none", lineStyle: { color: GREY, type: "dashed" }, data: [{ xAxis: 0 }] } }
      ]
    });
  }

  function events(f) {
    if (!f.events.length) { return; }
    var es = f.events.map(function (e) { return String(e.e); });
    draw("chart-events-" + f.id, {
      tooltip: { trigger: "item" },
      grid: { left: 8, right: 16, top: 16, bottom: 24, containLabel: true },
      xAxis: { type: "category", data: es, name: L.event_time, nameLocation: "middle", nameGap: 24 },
      yAxis: { type: "value", scale: true },
      series: [
        { name: L.interval, type: "custom",
          renderItem: function (params, api) {
            var low = api.coord([api.value(0), api.value(1)]);
            var high = api.coord([api.value(0), api.value(2)]);
            var style = { stroke: "#424242", lineWidth: 1.5 };
            return { type: "group", children: [
              { type: "line", shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style: style },
              { type: "line", shape: { x1: low[0] - 5, y1: low[1], x2: low[0] + 5, y2: low[1] }, style: style },
              { type: "line", shape: { x1: high[0] - 5, y1: high[1], x2: high[0] + 5, y2: high[1] }, style: style }
            ] };
          },
          data: f.events.filter(function (e) { return e.ci_low !== null && e.ci_high !== null; })
            .map(function (e) { return [es.indexOf(String(e.e)), e.ci_low, e.ci_high]; }) },
        { name: L.att, type: "line", symbolSize: 8, itemStyle: { color: RED },
          data: f.events.map(function (e) { return e.att; }),
          markLine: { silent: true, symbol: "none", lineStyle: { color: GREY, type: "dashed" }, data: [{ yAxis: 0 }] } }
      ]
    });
  }

  ranking(data.ranking);
  radar(data.radar);
  trend(data.trend);
  tree(data.tree);
  (data.contribution || []).forEach(function (f) { estimates(f); events(f); });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
