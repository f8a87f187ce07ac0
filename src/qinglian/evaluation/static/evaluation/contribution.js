// The contribution result's charts: each estimate with its interval (a point and an error bar), and the event
// study (effects by periods since the start, pre-periods included). Drawn with ECharts from
// <script type="application/json" id="contribution-data"> (the CSP forbids inline scripts); the tables under the
// charts hold the same numbers and are the accessible version.
(function () {
  "use strict";
  var source = document.getElementById("contribution-data");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);

  function intervals(points) {
    // [x, low, high] rendered as a vertical bar with caps
    return {
      type: "custom", name: data.labels.interval, silent: true,
      renderItem: function (params, api) {
        if (api.value(1) === null || api.value(2) === null || isNaN(api.value(1))) { return null; }
        var low = api.coord([api.value(0), api.value(1)]);
        var high = api.coord([api.value(0), api.value(2)]);
        var w = 6;
        var style = { stroke: "#1565c0", lineWidth: 1.5 };
        return { type: "group", children: [
          { type: "line", shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style: style },
          { type: "line", shape: { x1: low[0] - w, y1: low[1], x2: low[0] + w, y2: low[1] }, style: style },
          { type: "line", shape: { x1: high[0] - w, y1: high[1], x2: high[0] + w, y2: high[1] }, style: style }
        ] };
      },
      data: points, z: 1
    };
  }

  function extent(values, bars) {
    // the axis must hold every point, every interval and 0 (a custom series does not widen the axis itself)
    var all = [0];
    values.forEach(function (v) { if (v !== null && !isNaN(v)) { all.push(v); } });
    bars.forEach(function (b) { [b[1], b[2]].forEach(function (v) { if (v !== null && !isNaN(v)) { all.push(v); } }); });
    var lo = Math.min.apply(null, all), hi = Math.max.apply(null, all), pad = (hi - lo || 1) * 0.08;
    return { min: lo - pad, max: hi + pad };
  }

  function draw(el, categories, values, bars, xName) {
    if (!el) { return; }
    var range = extent(values, bars);
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 16, top: 16, bottom: xName ? 32 : 8, containLabel: true },
      xAxis: { type: "category", data: categories, name: xName || "", nameLocation: "middle", nameGap: 24,
               axisLabel: { hideOverlap: true, width: 120, overflow: "truncate" } },
      yAxis: { type: "value", min: range.min, max: range.max, splitLine: { lineStyle: { type: "dashed" } },
               axisLabel: { formatter: function (v) { return Number(v.toPrecision(3)); } } },
      series: [
        intervals(bars),
        { type: "scatter", name: data.labels.effect, data: values, symbolSize: 9, itemStyle: { color: "#0d47a1" }, z: 2,
          markLine: { silent: true, symbol: "none", lineStyle: { color: "#9e9e9e" }, data: [{ yAxis: 0 }] } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  var est = data.estimates || [];
  draw(document.getElementById("chart-estimates"),
       est.map(function (e) { return e.label; }),
       est.map(function (e) { return e.coef; }),
       est.map(function (e, i) { return [i, e.low, e.high]; }));
  var ev = data.events || [];
  if (ev.length) {
    draw(document.getElementById("chart-events"),
         ev.map(function (e) { return String(e.e); }),
         ev.map(function (e) { return e.att; }),
         ev.map(function (e, i) { return [i, e.low, e.high]; }),
         data.labels.event);
  }
})();
