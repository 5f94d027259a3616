// The event page's chart: registered, attended, waitlisted and cancelled as bars, drawn
// with the vendored ECharts from #event-chart-data (no inline script: CSP). The metric
// cards above say the same numbers in text.
(function () {
  "use strict";
  const dataEl = document.getElementById("event-chart-data");
  const node = document.getElementById("event-chart");
  if (!dataEl || !node || typeof echarts === "undefined") return;
  const data = JSON.parse(dataEl.textContent);
  const chart = echarts.init(node, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    color: ["#2f6fde"],
    grid: { left: 100, right: 40, top: 8, bottom: 24 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", inverse: true, data: data.labels },
    series: [{
      type: "bar",
      data: data.values.map((v, i) => ({
        value: v,
        itemStyle: { color: ["#2f6fde", "#12a39a", "#d08a12", "#9aa3b2"][i] },
      })),
      label: { show: true, position: "right" },
    }],
  });
  node.dataset.drawn = "1";
  window.addEventListener("resize", () => chart.resize());
})();
