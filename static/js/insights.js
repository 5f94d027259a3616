// Insights pictures (marketing impact, pipeline, health, upsell): drawn with the vendored
// ECharts from the JSON block the page renders (#insights-data). No inline script (CSP);
// every picture also has a text alternative and a table on the page.
(function () {
  "use strict";
  const dataEl = document.getElementById("insights-data");
  if (!dataEl || typeof echarts === "undefined") return;
  const data = JSON.parse(dataEl.textContent);
  const t = (key) => (data.t && data.t[key]) || key;
  const COLORS = ["#2f6fde", "#12a39a", "#f0a13a", "#8c5ad8", "#1f8a4c", "#c53030", "#5d6b7c"];
  const charts = [];

  function draw(id, option) {
    const node = document.getElementById(id);
    if (!node) return null;
    const chart = echarts.init(node, null, { renderer: "svg" });
    chart.setOption(Object.assign({ color: COLORS, animation: false }, option));
    node.dataset.drawn = "1";
    charts.push(chart);
    return chart;
  }
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));

  const money = (n) => Number(n || 0).toLocaleString(undefined, { maximumFractionDigits: 0 });

  // The largest currency of a list of rows (each measure a list of {currency, amount}).
  function mainCurrency(rows, measure) {
    const totals = {};
    rows.forEach((r) => (r[measure] || []).forEach((m) => {
      totals[m.currency] = (totals[m.currency] || 0) + m.amount;
    }));
    return Object.keys(totals).sort((a, b) => totals[b] - totals[a])[0] || "";
  }
  const amountIn = (list, currency) => {
    const hit = (list || []).find((m) => m.currency === currency);
    return hit ? hit.amount : 0;
  };

  function impact() {
    const model = data.model;
    const labels = new Map();
    data.pipeline.concat(data.won).forEach((r) => labels.set(String(r.value), r.label));
    const currency = mainCurrency(data.pipeline.concat(data.won), model);
    const byKey = (rows) => new Map(rows.map((r) => [String(r.value), r]));
    const p = byKey(data.pipeline);
    const w = byKey(data.won);
    const credit = (rows, k) => amountIn((rows.get(k) || {})[model], currency);
    // Largest credit under the chosen model first: won revenue, then pipeline.
    const keys = Array.from(labels.keys())
      .sort((a, b) => credit(w, b) - credit(w, a) || credit(p, b) - credit(p, a))
      .slice(0, 15);
    draw("ins-chart", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" },
        valueFormatter: (v) => currency + " " + money(v) },
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "value", name: currency + " · " + data.models[model], nameLocation: "middle",
        nameGap: 28, axisLabel: { formatter: (v) => money(v) } },
      yAxis: { type: "category", inverse: true, data: keys.map((k) => labels.get(k)),
        axisLabel: { width: 180, overflow: "truncate" } },
      series: [
        { name: data.labels.pipeline, type: "bar",
          data: keys.map((k) => Math.round(amountIn((p.get(k) || {})[model], currency))) },
        { name: data.labels.won, type: "bar",
          data: keys.map((k) => Math.round(amountIn((w.get(k) || {})[model], currency))) },
      ],
    });
  }

  function pipeline() {
    const periods = data.over_time.map((p) => p.period);
    const series = data.stages.map((s) => ({
      name: s.label, type: "line", stack: "open", areaStyle: { opacity: 0.55 }, symbol: "none",
      data: data.over_time.map((p) => p.open[s.stage]),
    }));
    series.push({ name: t("won"), type: "bar", yAxisIndex: 1, barMaxWidth: 10, z: 5, itemStyle: { color: "#1f8a4c" },
      data: data.over_time.map((p) => p.won) });
    series.push({ name: t("lost"), type: "bar", yAxisIndex: 1, barMaxWidth: 10, z: 5, itemStyle: { color: "#c53030" },
      data: data.over_time.map((p) => p.lost) });
    draw("ins-chart", {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: periods, boundaryGap: false },
      yAxis: [{ type: "value", name: t("open") }, { type: "value", name: t("closed"), splitLine: { show: false } }],
      series: series,
    });
    const funnel = data.conversion.stages;
    draw("ins-funnel", {
      tooltip: { trigger: "item", formatter: (p) => p.name + ": " + p.value },
      series: [{ type: "funnel", sort: "none", left: "8%", width: "84%", top: 8, bottom: 8, minSize: "30%",
        label: { position: "inside", formatter: (p) => p.name + " " + p.value },
        data: funnel.map((s) => ({ name: s.label, value: s.reached })) }],
    });
    draw("ins-days", {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.days_in_stage.map((d) => d.label) },
      yAxis: { type: "value", name: t("days") },
      series: [
        { name: t("median"), type: "bar", data: data.days_in_stage.map((d) => d.median_days) },
        { name: t("p90"), type: "bar", data: data.days_in_stage.map((d) => d.p90_days) },
      ],
    });
  }

  function health() {
    const colour = (from) => (from >= 67 ? "#1f8a4c" : from >= 34 ? "#b7791f" : "#c53030");
    draw("ins-chart", {
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.distribution.map((b) => b.from + "–" + b.to) },
      yAxis: { type: "value", name: t("accounts"), minInterval: 1 },
      series: [{ type: "bar", data: data.distribution.map((b) => ({ value: b.accounts,
        itemStyle: { color: colour(b.from) } })) }],
    });
  }

  function healthAccount() {
    const comps = data.components;
    draw("ins-chart", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", max: 25 },
      yAxis: { type: "category", inverse: true, data: comps.map((c) => c.label) },
      series: [
        { name: t("max"), type: "bar", barGap: "-100%", itemStyle: { color: "#eef1f6" }, silent: true,
          data: comps.map((c) => c.max) },
        { name: t("points"), type: "bar", data: comps.map((c) => c.points),
          label: { show: true, position: "right", formatter: (p) => p.value + " / " + comps[p.dataIndex].max } },
      ],
    });
  }

  function upsell() {
    const rows = data.products;
    draw("ins-chart", {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 24, top: 8, bottom: 24, containLabel: true },
      xAxis: { type: "value", minInterval: 1, name: t("accounts"), nameLocation: "middle", nameGap: 26 },
      yAxis: { type: "category", inverse: true, data: rows.map((r) => r.product__name) },
      series: [{ type: "bar", data: rows.map((r) => r.accounts), itemStyle: { color: "#12a39a" },
        label: { show: true, position: "right" } }],
    });
  }

  const kinds = { impact: impact, pipeline: pipeline, health: health, health_account: healthAccount, upsell: upsell };
  if (kinds[data.kind]) kinds[data.kind]();
})();
