// The leads pipeline charts: steps reached (bars, with the share that went on) and the
// median days in each status, drawn with the vendored ECharts from #lead-pipeline-data.
// No inline script (CSP); the tables under each chart say the same in text.
(function () {
  "use strict";
  const dataEl = document.getElementById("lead-pipeline-data");
  if (!dataEl || typeof echarts === "undefined") return;
  const data = JSON.parse(dataEl.textContent);
  const charts = [];

  function draw(id, option) {
    const node = document.getElementById(id);
    if (!node) return;
    const chart = echarts.init(node, null, { renderer: "svg" });
    chart.setOption(Object.assign({ color: ["#2f6fde", "#12a39a"], animation: false }, option));
    node.dataset.drawn = "1";
    charts.push(chart);
  }
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));

  const pct = (v) => (v === null || v === undefined ? "" : Math.round(v * 100) + "%");

  draw("lp-funnel", {
    grid: { left: 120, right: 56, top: 8, bottom: 24 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: data.steps.map((s) => s.label) },
    series: [{
      name: data.labels.reached,
      type: "bar",
      data: data.steps.map((s) => s.reached),
      label: {
        show: true,
        position: "right",
        formatter: (p) => {
          const next = data.steps[p.dataIndex].conversion;
          return next === null ? String(p.value) : p.value + " → " + pct(next);
        },
      },
    }],
  });

  draw("lp-days", {
    grid: { left: 140, right: 40, top: 8, bottom: 24 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value" },
    yAxis: { type: "category", inverse: true, data: data.statuses.map((s) => s.label) },
    series: [{
      name: data.labels.days,
      type: "bar",
      itemStyle: { color: "#12a39a" },
      data: data.statuses.map((s) => s.median),
      label: { show: true, position: "right", formatter: (p) => (p.value === null || p.value === undefined ? "" : p.value.toFixed(1)) },
    }],
  });
})();
