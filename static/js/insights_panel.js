// Insights panels of record pages: the engagement heat map (sales_actions/insights) and the
// marketing sparklines and score line (analytics/marketing). The panels arrive by htmx, each
// with this script; it loads the vendored ECharts once (a file of our own: CSP allows it)
// and draws every chart not drawn yet. Each chart's numbers are also in a table in the page.
(function () {
  "use strict";
  if (window.hubInsightsPanel) {
    window.hubInsightsPanel.drawAll();
    return;
  }

  var charts = [];
  var loading = null;

  function withEcharts(src, done) {
    if (window.echarts) return done();
    if (!loading) {
      loading = [];
      var script = document.createElement("script");
      script.src = src;
      script.onload = function () {
        var queue = loading;
        loading = null;
        queue.forEach(function (fn) { fn(); });
      };
      document.head.appendChild(script);
    }
    loading.push(done);
  }

  function css(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name);
    return (value || "").trim() || fallback;
  }

  function heatmap(el, data) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    var cells = [];
    // Rows top to bottom as the table lists them: ECharts counts y from the bottom.
    var rows = data.rows.slice().reverse();
    data.counts.forEach(function (counts, r) {
      counts.forEach(function (n, w) {
        // Dark cells get white figures.
        var dark = data.max > 0 && n / data.max > 0.55;
        cells.push({ value: [w, data.rows.length - 1 - r, n],
          label: { color: dark ? "#ffffff" : "#1c2430" } });
      });
    });
    chart.setOption({
      animation: false,
      grid: { left: 150, right: 16, top: 8, bottom: 52 },
      tooltip: {
        formatter: function (p) {
          var v = p.value;
          return rows[v[1]] + "<br>" + data.weekLabel + " " + data.weeks[v[0]] + ": <b>" + v[2] + "</b>";
        },
      },
      xAxis: { type: "category", data: data.weeks, splitArea: { show: true },
        axisLabel: { color: css("--muted", "#5d6b7c") } },
      yAxis: { type: "category", data: rows, splitArea: { show: true },
        axisLabel: { color: css("--text", "#1c2430") } },
      visualMap: {
        min: 0, max: Math.max(1, data.max), calculable: false, orient: "horizontal",
        left: "center", bottom: 0, itemHeight: 120, itemWidth: 10,
        text: [data.more, data.less], textStyle: { color: css("--muted", "#5d6b7c") },
        inRange: { color: ["#f4f7fd", "#b9cdf6", "#5f8ae6", css("--primary", "#2557d6"), "#16307a"] },
      },
      series: [{
        type: "heatmap", data: cells,
        label: { show: true, formatter: function (p) { return p.value[2] ? p.value[2] : ""; } },
        itemStyle: { borderColor: "#fff", borderWidth: 2 },
        emphasis: { itemStyle: { borderColor: "#1c2430", borderWidth: 1 } },
      }],
    });
    return chart;
  }

  function sparkline(el, data) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      grid: { left: 2, right: 2, top: 4, bottom: 2 },
      tooltip: { trigger: "axis", formatter: function (p) {
        return data.weekLabel + " " + data.weeks[p[0].dataIndex] + ": <b>" + p[0].value + "</b>";
      } },
      xAxis: { type: "category", data: data.weeks, show: false, boundaryGap: false },
      yAxis: { type: "value", show: false, min: 0 },
      series: [{ type: "line", data: data.values, symbol: "none", smooth: false,
        lineStyle: { width: 1.5, color: css("--primary", "#2557d6") },
        areaStyle: { color: "rgba(37,87,214,.12)" } }],
    });
    return chart;
  }

  function scoreLine(el, data) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      grid: { left: 40, right: 16, top: 12, bottom: 28 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.days, boundaryGap: false,
        axisLabel: { color: css("--muted", "#5d6b7c") } },
      yAxis: { type: "value", min: 0, axisLabel: { color: css("--muted", "#5d6b7c") } },
      series: [{ type: "line", name: data.name, data: data.values, step: "end", symbol: "none",
        lineStyle: { width: 2, color: css("--primary", "#2557d6") },
        areaStyle: { color: "rgba(37,87,214,.10)" } }],
    });
    return chart;
  }

  var KINDS = [
    ["ipHeatmap", heatmap],
    ["ipSpark", sparkline],
    ["ipScore", scoreLine],
  ];

  function drawAll() {
    var pending = document.querySelectorAll("[data-ip-heatmap], [data-ip-spark], [data-ip-score]");
    pending = Array.prototype.filter.call(pending, function (el) { return !el.dataset.ipDrawn; });
    if (!pending.length) return;
    var src = pending[0].dataset.echartsSrc;
    withEcharts(src, function () {
      pending.forEach(function (el) {
        if (el.dataset.ipDrawn || !el.isConnected) return;
        el.dataset.ipDrawn = "1";
        KINDS.forEach(function (kind) {
          if (el.dataset[kind[0]] === undefined) return;
          try {
            charts.push(kind[1](el, JSON.parse(el.dataset[kind[0]])));
          } catch (err) {
            el.hidden = true; // the table next to it still says it all
            return;
          }
          // Drawn: the table stays for screen readers, out of sight.
          var box = el.closest(".ip");
          var table = box && box.querySelector("[data-ip-table]");
          if (table && kind[0] === "ipHeatmap") table.classList.add("sr-only");
        });
      });
    });
  }

  window.addEventListener("resize", function () {
    charts = charts.filter(function (c) { return !c.isDisposed() && c.getDom().isConnected; });
    charts.forEach(function (c) { c.resize(); });
  });
  document.addEventListener("htmx:afterSettle", drawAll);
  window.hubInsightsPanel = { drawAll: drawAll };
  drawAll();
})();
