// Analytics editor: settings form -> run API -> picture (ECharts), text alternative,
// table view and drill-down. One file for the three kinds (journey, cohort, flow).
(function () {
  "use strict";
  const bootEl = document.getElementById("analytics-boot");
  if (!bootEl) return;
  const boot = JSON.parse(bootEl.textContent);
  const V = boot.vocabulary;
  const T = boot.t;
  const t = (key) => T[key] || key;
  const kind = boot.kind;
  let settings = JSON.parse(JSON.stringify(boot.settings));
  settings.filters = settings.filters || {};
  let result = null;
  let chart = null;
  // A picture drawn or resized while its pane is hidden (the Table tab is open) would have
  // a 0 × 0 view: ECharts' graph cannot invert that transform and throws. A drawing waits
  // here instead, and a resize is skipped, until the pane is shown again.
  let pendingOption = null;
  let extraCharts = [];

  const $ = (sel, root) => (root || document).querySelector(sel);
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (v === null || v === undefined || v === false) return;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    });
    children.flat().forEach((c) => { if (c !== null && c !== undefined) node.append(c); });
    return node;
  };
  const fmt = (n) => (n === null || n === undefined ? "—" : Number(n).toLocaleString());
  const pct = (x) => (x === null || x === undefined ? "—" : (x * 100).toFixed(1) + "%");
  const csrf = () => {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; }
    catch (e) { return ""; }
  };
  const containerLabel = (c) => (V.containers.find((x) => x[0] === c) || [c, c])[1];
  const entitiesWord = () => containerLabel(settings.container).toLowerCase();
  let uid = 0;
  const nextId = (prefix) => prefix + "-" + (++uid);

  // --- Form helpers --------------------------------------------------------------------
  function field(label, control, opts) {
    const id = control.id || nextId("f");
    control.id = id;
    const wrap = el("div", { class: "field" + (opts && opts.cls ? " " + opts.cls : "") },
      el("label", { for: id, text: label }), control);
    if (opts && opts.help) wrap.append(el("span", { class: "help", text: opts.help }));
    return wrap;
  }
  function select(choices, value, onchange, attrs) {
    const s = el("select", attrs || {});
    choices.forEach(([v, label]) => {
      const o = el("option", { value: v === null ? "" : v, text: label });
      if (String(value === null || value === undefined ? "" : value) === String(v === null ? "" : v)) o.selected = true;
      s.append(o);
    });
    s.addEventListener("change", () => onchange(s.value));
    return s;
  }
  function input(type, value, onchange, attrs) {
    const i = el("input", Object.assign({ type: type }, attrs || {}));
    i.value = value === null || value === undefined ? "" : value;
    i.addEventListener("change", () => onchange(i.value));
    return i;
  }
  const LIFECYCLE = ["opportunity_created", "opportunity_stage", "lead_status", "target_marked"];

  // One event condition: kind, then stage / status, then the activity's qualifiers.
  function conditionEditor(cond, onchange, label) {
    const box = el("div", { class: "an-condition" });
    function draw() {
      box.innerHTML = "";
      box.append(field(label || t("Event"), select(V.kinds, cond.kind, (v) => {
        cond.kind = v; if (v !== "opportunity_stage") delete cond.stage;
        if (v !== "lead_status") delete cond.status;
        if (LIFECYCLE.includes(v) && v !== "lead_status") {
          ["campaign", "channel", "content_type", "contains", "url_contains"].forEach((k) => delete cond[k]);
        }
        draw(); onchange();
      }, { "data-role": "kind" })));
      if (cond.kind === "opportunity_stage") {
        box.append(field(t("Stage reached"), select(V.stages, cond.stage || "", (v) => { cond.stage = v; onchange(); }, { "data-role": "stage" })));
      }
      if (cond.kind === "lead_status") {
        box.append(field(t("Lead status reached"), select(V.statuses, cond.status || "", (v) => { cond.status = v; onchange(); }, { "data-role": "status" })));
      }
      if (!LIFECYCLE.includes(cond.kind)) {
        box.append(field(t("Subject contains"), input("text", cond.contains, (v) => { cond.contains = v; onchange(); }, { maxlength: 200, "data-role": "contains" })));
        const more = el("details", { class: "an-more" }, el("summary", { text: t("Campaign, channel, content, URL") }));
        more.append(
          field(t("Campaign"), select([["", t("Any")], ...V.campaigns], cond.campaign || "", (v) => { cond.campaign = v ? Number(v) : null; onchange(); })),
          field(t("Channel"), select([["", t("Any")], ...V.channels], cond.channel || "", (v) => { cond.channel = v; onchange(); })),
          field(t("Content type"), input("text", cond.content_type, (v) => { cond.content_type = v; onchange(); }, { list: "an-content-types", maxlength: 60 })),
          field(t("URL contains"), input("text", cond.url_contains, (v) => { cond.url_contains = v; onchange(); }, { maxlength: 200 })),
        );
        if (cond.campaign || cond.channel || cond.content_type || cond.url_contains) more.open = true;
        box.append(more);
      }
    }
    draw();
    return box;
  }

  // --- Settings form per kind ----------------------------------------------------------
  const fields = $("#an-fields");
  function containerField(allowed) {
    const choices = V.containers.filter((c) => allowed.includes(c[0]));
    return field(t("Container (what is counted)"), select(choices, settings.container, (v) => { settings.container = v; drawForm(); }, { name: "container" }));
  }

  function drawJourneyForm() {
    fields.append(containerField(["account", "opportunity", "buying_group", "person"]));
    const list = el("div", { class: "an-nodes" });
    settings.nodes.forEach((node, i) => {
      const card = el("fieldset", { class: "an-node", "data-node": node.id });
      card.append(el("legend", { text: t("Node") + " " + (i + 1) }));
      card.append(field(t("Name"), input("text", node.name, (v) => { node.name = v; }, { maxlength: 80, "data-role": "name", required: true })));
      const parents = [["", t("(start of a path)")], ...settings.nodes.slice(0, i).map((n) => [n.id, n.name || n.id])];
      card.append(field(t("Connect from"), select(parents, node.parent || "", (v) => { node.parent = v || null; }, { "data-role": "parent" })));
      card.append(conditionEditor(node.condition, () => {}));
      if (settings.nodes.length > 1) {
        card.append(el("button", { type: "button", class: "btn btn-small btn-ghost", text: t("Remove node"), onclick: () => {
          const gone = node.id;
          settings.nodes = settings.nodes.filter((n) => n.id !== gone);
          settings.nodes.forEach((n) => { if (n.parent === gone) n.parent = node.parent || null; });
          if (settings.key_moments && settings.key_moments.node === gone) settings.key_moments = null;
          drawForm();
        } }));
      }
      list.append(card);
    });
    fields.append(list);
    fields.append(el("button", { type: "button", class: "btn btn-small", id: "an-add-node", text: t("+ Add node"), onclick: () => {
      let n = settings.nodes.length + 1;
      while (settings.nodes.some((x) => x.id === "n" + n)) n++;
      const last = settings.nodes[settings.nodes.length - 1];
      settings.nodes.push({ id: "n" + n, name: t("New node"), parent: last ? last.id : null, condition: { kind: "form_submitted" } });
      drawForm();
    } }));
    const km = settings.key_moments || {};
    const kmBox = el("fieldset", { class: "an-node" }, el("legend", { text: t("Key moments") }));
    kmBox.append(field(t("Around node"), select([["", t("(none)")], ...settings.nodes.map((n) => [n.id, n.name])], km.node || "", (v) => {
      settings.key_moments = v ? Object.assign({ days: 30, dimension: "type" }, settings.key_moments || {}, { node: v }) : null;
    })));
    kmBox.append(el("div", { class: "an-row" },
      field(t("Days before / after"), input("number", km.days || 30, (v) => { if (settings.key_moments) settings.key_moments.days = Number(v); }, { min: 1, max: 365 })),
      field(t("By"), select(V.dimensions, km.dimension || "type", (v) => { if (settings.key_moments) settings.key_moments.dimension = v; })),
    ));
    fields.append(kmBox);
  }

  function metricEditor(metric, label) {
    const box = el("fieldset", { class: "an-node", "data-metric": label });
    box.append(el("legend", { text: label }));
    box.append(conditionEditor(metric.condition, () => {}));
    const ops = [["gte", "≥"], ["gt", ">"], ["eq", "="], ["lte", "≤"], ["lt", "<"]];
    box.append(el("div", { class: "an-row" },
      field(t("Operator"), select(ops, metric.operator, (v) => { metric.operator = v; }, { "data-role": "operator" })),
      field(t("Value"), input("number", metric.value, (v) => { metric.value = v === "" ? null : Number(v); }, { min: 0, "data-role": "value" })),
    ));
    return box;
  }

  function drawCohortForm() {
    fields.append(containerField(["account", "opportunity", "buying_group"]));
    fields.append(metricEditor(settings.inclusion, t("Inclusion condition")));
    fields.append(metricEditor(settings["return"], t("Return condition")));
    fields.append(el("div", { class: "an-row" },
      field(t("Granularity"), select([["month", t("Month")], ["week", t("Week")]], settings.granularity, (v) => { settings.granularity = v; }, { name: "granularity" })),
      field(t("Periods"), input("number", settings.periods, (v) => { settings.periods = Number(v); }, { min: 1, max: 24, name: "periods" })),
    ));
    fields.append(field(t("Count"), select([["false", t("Per period")], ["true", t("Cumulative")]], String(!!settings.cumulative), (v) => { settings.cumulative = v === "true"; })));
    const breakdowns = [["none", t("No breakdown")], ["industry", t("Segment: industry")], ["country", t("Segment: country")],
      ["is_target", t("Segment: target or not")], ["campaign_source", t("Campaign source (first touch)")], ["role_template", t("Buying-group type")]];
    fields.append(field(t("Breakdown"), select(breakdowns, settings.breakdown || "none", (v) => { settings.breakdown = v; }, { name: "breakdown" })));
  }

  function drawFlowForm() {
    fields.append(containerField(["account", "buying_group"]));
    fields.append(field(t("Path dimension"), select(V.dimensions, settings.dimension, (v) => { settings.dimension = v; }, { name: "dimension" })));
    const a = settings.anchor;
    const box = el("fieldset", { class: "an-node" }, el("legend", { text: t("Anchor") }));
    box.append(el("div", { class: "an-row" },
      field(t("Paths"), select([["end", t("End with")], ["start", t("Start with")]], a.direction, (v) => { a.direction = v; }, { name: "direction" })),
      field(t("Label"), input("text", a.name, (v) => { a.name = v; }, { maxlength: 80 })),
    ));
    box.append(conditionEditor(a.condition, () => {}));
    fields.append(box);
    const adv = el("details", { class: "an-more" }, el("summary", { text: t("Advanced settings") }));
    adv.append(el("div", { class: "an-row" },
      field(t("Columns"), input("number", settings.columns, (v) => { settings.columns = Number(v); }, { min: 2, max: 10, name: "columns" })),
      field(t("Top items per column"), input("number", settings.top, (v) => { settings.top = Number(v); }, { min: 1, max: 20, name: "top" })),
    ));
    fields.append(adv);
  }

  // --- Filters -------------------------------------------------------------------------
  function multi(choices, values, onchange, attrs) {
    const s = el("select", Object.assign({ multiple: true, size: 3 }, attrs || {}));
    choices.forEach(([v, label]) => {
      const o = el("option", { value: v, text: label });
      if ((values || []).includes(v)) o.selected = true;
      s.append(o);
    });
    s.addEventListener("change", () => onchange(Array.from(s.selectedOptions).map((o) => o.value)));
    return s;
  }
  function picker(url, value, onpick, placeholder) {
    const listId = nextId("dl");
    const dl = el("datalist", { id: listId });
    const i = el("input", { type: "search", list: listId, placeholder: placeholder });
    if (value) i.value = "#" + value;
    let timer = null;
    i.addEventListener("input", () => {
      clearTimeout(timer);
      const q = i.value.trim();
      if (q.length < 2 || /#\d+$/.test(q)) return;
      timer = setTimeout(() => {
        fetch(url + "?search=" + encodeURIComponent(q) + "&page_size=10", { credentials: "same-origin" })
          .then((r) => (r.ok ? r.json() : { results: [] }))
          .then((data) => {
            dl.innerHTML = "";
            (data.results || []).forEach((row) => dl.append(el("option", { value: row.name + " #" + row.id })));
          });
      }, 250);
    });
    i.addEventListener("change", () => {
      const m = i.value.match(/#(\d+)\s*$/);
      onpick(m ? Number(m[1]) : null);
    });
    return el("span", {}, i, dl);
  }
  function drawFilters() {
    const box = $("#an-filter-fields");
    box.innerHTML = "";
    const f = settings.filters;
    box.append(el("div", { class: "an-row" },
      field(t("From"), input("date", f.date_from, (v) => { f.date_from = v || null; countFilters(); }, { name: "date_from" })),
      field(t("To"), input("date", f.date_to, (v) => { f.date_to = v || null; countFilters(); }, { name: "date_to" })),
    ));
    box.append(field(t("Industry"), multi(V.industries, f.industry, (v) => { f.industry = v; countFilters(); })));
    box.append(field(t("Country"), multi(V.countries.map((c) => [c, c]), f.country, (v) => { f.country = v; countFilters(); })));
    const target = f.is_target === true ? "true" : f.is_target === false ? "false" : "";
    box.append(el("div", { class: "an-row" },
      field(t("Target account"), select([["", t("Any")], ["true", t("Targets")], ["false", t("Not targets")]], target, (v) => { f.is_target = v === "" ? null : v === "true"; countFilters(); })),
      field(t("Team"), select([["", t("Any")], ...V.teams], f.team || "", (v) => { f.team = v ? Number(v) : null; countFilters(); })),
    ));
    box.append(field(t("Owner"), select([["", t("Any")], ...V.owners], f.owner || "", (v) => { f.owner = v ? Number(v) : null; countFilters(); })));
    if (kind !== "cohort") {
      box.append(field(t("One account"), picker(boot.urls.accounts, f.account, (v) => { f.account = v; countFilters(); }, t("Search accounts"))));
      if (settings.container === "buying_group") {
        box.append(field(t("One buying group"), picker(boot.urls.groups, f.buying_group, (v) => { f.buying_group = v; countFilters(); }, t("Search buying groups"))));
      }
    }
    countFilters();
  }
  function countFilters() {
    const f = settings.filters;
    const n = Object.entries(f).filter(([, v]) => v !== null && v !== undefined && v !== "" && !(Array.isArray(v) && !v.length)).length;
    $("#an-filter-count").textContent = n ? "(" + n + ")" : "";
  }

  function drawForm() {
    fields.innerHTML = "";
    if (kind === "journey") drawJourneyForm();
    else if (kind === "cohort") drawCohortForm();
    else drawFlowForm();
    drawFilters();
  }

  // --- Running -------------------------------------------------------------------------
  function cleanSettings() {
    const s = JSON.parse(JSON.stringify(settings));
    const f = s.filters || {};
    Object.keys(f).forEach((k) => { if (f[k] === "" || f[k] === undefined) f[k] = null; });
    if (s.container !== "buying_group") f.buying_group = null;
    return s;
  }
  function showErrors(detail) {
    const box = $("#an-errors");
    const lines = [];
    (function walk(value, path) {
      if (Array.isArray(value) && value.every((x) => typeof x === "string")) { lines.push(path.join(" › ") + ": " + value.join(" ")); return; }
      if (Array.isArray(value)) { value.forEach((v, i) => walk(v, path.concat([String(i + 1)]))); return; }
      if (value && typeof value === "object") { Object.entries(value).forEach(([k, v]) => { if (k !== "detail" && k !== "code") walk(v, path.concat([k])); }); return; }
      if (typeof value === "string") lines.push(path.join(" › ") + ": " + value);
    })(detail, []);
    box.innerHTML = "";
    box.append(el("strong", { text: t("The settings need a fix:") }));
    lines.forEach((l) => box.append(el("div", { text: l })));
    box.hidden = false;
  }
  let runs = 0;  // only the latest run may draw: an older answer arriving late is dropped
  function run() {
    $("#an-errors").hidden = true;
    $("#an-status").textContent = t("Building…");
    const body = JSON.stringify(cleanSettings());
    const started = Date.now();
    const mine = ++runs;
    const done = (data) => {
      if (mine !== runs) return;
      result = data.data;
      $("#an-status").textContent = data.cached ? t("from cache") : data.elapsed_ms ? data.elapsed_ms + " ms" : Math.round((Date.now() - started) / 100) / 10 + " s";
      $("#an-export").href = boot.urls.export + "?settings=" + encodeURIComponent(body);
      draw();
    };
    // A result not in the cache is computed by a worker; the page polls until it is ready.
    const poll = (url) => fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => r.json().then((data) => ({ code: r.status, data: data })))
      .then(({ code, data }) => {
        if (mine !== runs) return;
        if (code === 202) {
          $("#an-status").textContent = t("Running in a worker…") + " " + Math.round((Date.now() - started) / 1000) + " s";
          setTimeout(() => poll(url), 1000);
        } else if (code === 200) done(data);
        else $("#an-status").textContent = t("Could not reach the server.");
      });
    fetch(boot.urls.run + "?background=1", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), Accept: "application/json" }, body: body,
    }).then((r) => r.json().then((data) => ({ code: r.status, data: data }))).then(({ code, data }) => {
      if (code === 202) { $("#an-status").textContent = t("Running in a worker…"); setTimeout(() => poll(data.poll), 700); return; }
      if (code !== 200) { $("#an-status").textContent = ""; showErrors(data); return; }
      done(data);
    }).catch(() => { $("#an-status").textContent = t("Could not reach the server."); });
  }

  // --- Drill-down ----------------------------------------------------------------------
  function drill(target, title) {
    const form = new FormData();
    form.append("settings", JSON.stringify(cleanSettings()));
    form.append("target", JSON.stringify(target));
    form.append("title", title);
    form.append("analysis", boot.analysis || "");
    fetch(boot.urls.drill, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf() }, body: form })
      .then((r) => r.text())
      .then((html) => {
        const body = document.getElementById("modal-body");
        body.innerHTML = html;
        if (window.htmx) window.htmx.process(body);
        const modal = document.getElementById("modal");
        if (!modal.open) modal.showModal();
      });
  }

  // --- Pictures ------------------------------------------------------------------------
  function resetCharts() {
    extraCharts.forEach((c) => c.dispose());
    extraCharts = [];
    $("#an-extra").innerHTML = "";
    if (!chart) chart = echarts.init($("#an-chart"), null, { renderer: "canvas" });
    chart.clear();
    pendingOption = null;
    chart.off("click");
    chart.off("mouseup");
  }
  const shown = (box) => !!(box.offsetWidth && box.offsetHeight);
  function chartResize() {
    if (chart && shown($("#an-chart"))) chart.resize();
  }
  function chartSet(option) {
    const box = $("#an-chart");
    if (!shown(box)) { pendingOption = option; return; }
    pendingOption = null;
    chart.setOption(option);
  }
  function table(headers, rows) {
    const tbl = el("table", { class: "table" });
    tbl.append(el("thead", {}, el("tr", {}, headers.map((h) => el("th", { text: h })))));
    const tb = el("tbody");
    rows.forEach((cells) => tb.append(el("tr", {}, cells.map((c) => (c instanceof Node ? el("td", {}, c) : el("td", { text: c === null || c === undefined ? "—" : String(c) }))))));
    tbl.append(tb);
    return tbl;
  }
  const drillLink = (text, target, title) => el("a", { href: "#", text: text, onclick: (e) => { e.preventDefault(); drill(target, title); } });

  function draw() {
    resetCharts();
    if (kind === "journey") drawJourney();
    else if (kind === "cohort") drawCohort();
    else drawFlow();
    $("#an-hint").textContent = t("Click a node, cell or band to see who is behind it.");
  }

  function journeyLayout() {
    const depth = {};
    const byDepth = {};
    settings.nodes.forEach((n) => {
      depth[n.id] = n.parent ? (depth[n.parent] || 0) + 1 : 0;
      (byDepth[depth[n.id]] = byDepth[depth[n.id]] || []).push(n.id);
    });
    const pos = {};
    Object.entries(byDepth).forEach(([d, ids]) => ids.forEach((id, i) => { pos[id] = [Number(d) * 520, i * 150 - (ids.length - 1) * 75]; }));
    return pos;
  }
  function drawJourney() {
    const nodes = result.nodes;
    const single = !!(settings.filters.account || settings.filters.buying_group);
    const pos = journeyLayout();
    const rowsUsed = new Set(Object.values(pos).map((p) => p[1])).size;
    $("#an-chart").style.height = Math.min(560, Math.max(280, 170 * rowsUsed + 110)) + "px";
    chartResize();
    const byId = Object.fromEntries(settings.nodes.map((n) => [n.id, n]));
    const data = nodes.map((n) => {
      const s = byId[n.id];
      // A node the editor no longer has (its result is being rebuilt) sits at the origin.
      const xy = (s && Number.isFinite(s.x) && Number.isFinite(s.y)) ? [s.x, s.y] : (pos[n.id] || [0, 0]);
      const line2 = single ? (n.date ? n.date.slice(0, 10) : t("not reached")) : fmt(n.entities) + " " + entitiesWord();
      const line3 = n.parent ? (single ? "" : pct(n.from_parent) + " " + t("of previous")) : "";
      return {
        id: n.id, name: n.name, x: xy[0], y: xy[1], value: n.entities,
        label: { formatter: "{b|" + n.name.replace(/[{}|]/g, "") + "}\n" + line2 + (line3 ? "\n" + line3 : "") },
        itemStyle: { color: n.entities || n.date ? "#e8eefc" : "#f5f7fa", borderColor: "#2557d6", borderWidth: 1.5 },
      };
    });
    // two invisible corner points pad the picture so the boxes at its edges are not cut
    const xs = data.map((d) => d.x), ys = data.map((d) => d.y);
    [[Math.min(...xs) - 130, Math.min(...ys) - 120], [Math.max(...xs) + 130, Math.max(...ys) + 120]].forEach(([x, y], i) => {
      data.push({ id: "__pad" + i, name: "", x: x, y: y, symbolSize: 0, label: { show: false }, silent: true, tooltip: { show: false } });
    });
    const links = result.edges.map((e) => {
      const target = nodes.find((n) => n.id === e.target);
      const days = (x) => (x === null || x === undefined ? "—" : (Math.round(x * 10) / 10).toLocaleString());
      const text = single ? "" : pct(target.from_parent) + (target.median_days !== null ? "\n" + t("median") + " " + days(target.median_days) + " " + t("days") : "");
      return { source: e.source, target: e.target, value: target.entities, label: { show: !!text, formatter: text },
        lineStyle: { width: 1.5 + 8 * (target.from_parent || 0) } };
    });
    chartSet({
      animation: false,
      tooltip: { formatter: (p) => {
        if (p.dataType === "edge") { const n = nodes.find((x) => x.id === p.data.target); return n.name + ": " + pct(n.from_parent) + ", " + t("median") + " " + fmt(n.median_days) + " " + t("days") + ", " + t("p90") + " " + fmt(n.p90_days) + ", " + t("Drop-off") + " " + fmt(n.drop_off); }
        const n = nodes.find((x) => x.id === p.data.id); if (!n) return ""; return n.name + "<br>" + (n.condition_label || "") + "<br>" + fmt(n.entities) + " " + entitiesWord();
      } },
      series: [{
        type: "graph", layout: "none", roam: true, draggable: true, symbol: "roundRect", symbolSize: [168, 72],
        edgeSymbol: ["none", "arrow"], edgeSymbolSize: 10,
        label: { show: true, color: "#1c2430", fontSize: 12, lineHeight: 16, rich: { b: { fontWeight: "bold", fontSize: 13 } } },
        edgeLabel: { fontSize: 11, color: "#5d6b7c", lineHeight: 14, backgroundColor: "#fff", padding: [2, 4] },
        lineStyle: { color: "#7aa2ff", opacity: 0.9, curveness: 0 },
        data: data, links: links,
      }],
    });
    chart.on("click", (p) => {
      if (p.dataType === "node" && byId[p.data.id]) drill({ node: p.data.id, state: "reached" }, p.data.name);
      else if (p.dataType === "edge") drill({ node: p.data.target, state: "dropped" }, t("Dropped off") + ": " + byId[p.data.target].name);
    });
    chart.on("mouseup", (p) => {
      if (p.dataType !== "node" || !p.event) return;
      const xy = chart.convertFromPixel({ seriesIndex: 0 }, [p.event.offsetX, p.event.offsetY]);
      if (xy && Number.isFinite(xy[0]) && Number.isFinite(xy[1]) && byId[p.data.id]) { byId[p.data.id].x = Math.round(xy[0]); byId[p.data.id].y = Math.round(xy[1]); }
    });
    // text alternative
    const roots = nodes.filter((n) => !n.parent);
    const parts = nodes.filter((n) => n.parent).map((n) => {
      const parent = nodes.find((x) => x.id === n.parent);
      return single ? (n.name + ": " + (n.date ? n.date.slice(0, 10) : t("not reached")))
        : (pct(n.from_parent) + " " + t("of those at") + " “" + parent.name + "” " + t("went on to") + " “" + n.name + "” (" + fmt(n.entities) + (n.median_days !== null ? ", " + t("median") + " " + n.median_days + " " + t("days") : "") + ")");
    });
    if (single) {
      const who = result.entity ? result.entity.name : t("this entity");
      $("#an-summary").textContent = t("Path of") + " " + who + ": " + nodes.map((n) => "“" + n.name + "” " + (n.date ? n.date.slice(0, 10) : t("not reached"))).join("; ") + ".";
    } else $("#an-summary").textContent = roots.map((r) => fmt(r.entities) + " " + entitiesWord() + " " + t("reached") + " “" + r.name + "”" + (single && r.date ? " (" + r.date.slice(0, 10) + ")" : "")).join("; ") + ". " + parts.join("; ") + (parts.length ? "." : "");
    $("#an-chart").setAttribute("aria-label", t("Journey canvas"));
    const tbl = table([t("Node"), t("Condition"), t("From"), t("Entities"), t("Conversion from previous"), t("From start"), t("Drop-off"), t("Median days"), t("p90 days")],
      nodes.map((n) => [n.name, n.condition_label, n.parent ? byId[n.parent].name : "", drillLink(fmt(n.entities), { node: n.id, state: "reached" }, n.name),
        pct(n.from_parent), pct(n.from_start), n.parent ? drillLink(fmt(n.drop_off), { node: n.id, state: "dropped" }, t("Dropped off") + ": " + n.name) : "—",
        fmt(n.median_days), fmt(n.p90_days)]));
    $("#an-table").replaceChildren(tbl);
    const extra = $("#an-extra");
    if (result.key_moments) {
      const km = result.key_moments;
      const node = byId[km.node];
      const card = el("div", { class: "card an-card" }, el("h2", { text: t("Key moments") + ": " + (node ? node.name : "") + " (±" + km.days + " " + t("days") + ")" }));
      if (km.sampled) card.append(el("p", { class: "muted small", text: t("Shares from an even sample of") + " " + fmt(km.sampled) + " / " + fmt(km.entities) + " " + entitiesWord() + "." }));
      const cols = el("div", { class: "an-moments" });
      [["before", t("Before")], ["after", t("After")]].forEach(([side, label]) => {
        const ul = el("ul", { class: "an-bars" });
        km[side].forEach((m) => ul.append(el("li", {}, el("span", { class: "an-bar-label", text: m.label }),
          el("span", { class: "an-bar" }, el("span", { class: "an-bar-fill", style: "width:" + Math.round(m.share * 100) + "%" })),
          el("span", { class: "an-bar-value", text: pct(m.share) + " (" + fmt(m.entities) + ")" }))));
        if (!km[side].length) ul.append(el("li", { class: "muted", text: t("Nothing") }));
        cols.append(el("div", {}, el("h3", { text: label }), ul));
      });
      card.append(cols);
      extra.append(card);
    }
    if (result.timeline) {
      const card = el("div", { class: "card an-card" }, el("h2", {}, t("This entity’s own path") + (result.entity ? ": " : ""),
        result.entity ? el("a", { href: result.entity.url, text: result.entity.name }) : null));
      const ul = el("ul", { class: "timeline an-timeline" });
      result.timeline.forEach((ev) => ul.append(el("li", {}, el("span", { class: "dot", text: "•" }),
        el("div", {}, el("strong", { text: ev.type_label }), " ", el("span", { class: "muted", text: ev.subject || ev.content_type || "" })),
        el("span", { class: "when", text: ev.occurred_at.slice(0, 16).replace("T", " ") }))));
      card.append(ul);
      extra.append(card);
    }
  }

  function drawCohort() {
    const rows = result.rows;
    const periods = result.periods;
    const yLabels = rows.map((r) => (r.group_label ? r.group_label + " · " : "") + r.cohort + " (" + fmt(r.size) + ")");
    const points = [];
    let max = 0;
    rows.forEach((r, y) => r.cells.forEach((c, x) => {
      if (!c) return;
      points.push([x, y, Math.round(c.share * 1000) / 10, c.count]);
      max = Math.max(max, c.share * 100);
    }));
    const height = Math.max(260, 70 + rows.length * 30);
    $("#an-chart").style.height = height + "px";
    chartResize();
    chartSet({
      animation: false,
      grid: { left: 8, right: 16, top: 16, bottom: 56, containLabel: true },
      tooltip: { formatter: (p) => yLabels[p.data[1]] + "<br>" + t("Period") + " " + p.data[0] + ": " + fmt(p.data[3]) + " (" + p.data[2] + "%)" },
      xAxis: { type: "category", data: Array.from({ length: periods }, (_, i) => t("Period") + " " + i), splitArea: { show: true }, position: "top" },
      yAxis: { type: "category", data: yLabels, inverse: true, splitArea: { show: true } },
      visualMap: { min: 0, max: Math.max(1, Math.ceil(max)), calculable: false, orient: "horizontal", left: "center", bottom: 4, itemHeight: 120, text: [Math.max(1, Math.ceil(max)) + "%", "0%"], inRange: { color: ["#f0f4ff", "#7aa2ff", "#1b43a8"] } },
      series: [{ type: "heatmap", data: points, label: { show: true, formatter: (p) => p.data[2] + "%\n" + fmt(p.data[3]), fontSize: 11, lineHeight: 13 }, emphasis: { itemStyle: { borderColor: "#1c2430", borderWidth: 1 } } }],
    });
    chart.on("click", (p) => {
      const r = rows[p.data[1]];
      drill({ cohort: r.cohort, group: r.group, period: p.data[0] }, yLabels[p.data[1]] + " · " + t("Period") + " " + p.data[0]);
    });
    // text alternative
    let best = null;
    rows.forEach((r) => r.cells.forEach((c, i) => { if (c && r.size && (!best || c.share > best.share)) best = { share: c.share, cohort: r.cohort, group: r.group_label, period: i }; }));
    const total = rows.reduce((a, r) => a + r.size, 0);
    $("#an-summary").textContent = fmt(total) + " " + entitiesWord() + " " + t("in") + " " + rows.length + " " + t("cohorts") + ". " +
      (best ? t("The highest return share is") + " " + pct(best.share) + " (" + best.cohort + (best.group ? " · " + best.group : "") + ", " + t("Period") + " " + best.period + "). " : "") +
      (rows.some((r) => r.median_periods !== null) ? t("Median periods to return") + ": " : "") +
      rows.filter((r) => r.median_periods !== null).slice(0, 12).map((r) => r.cohort + (r.group_label ? " · " + r.group_label : "") + " " + r.median_periods).join(", ") + ".";
    $("#an-chart").setAttribute("aria-label", t("Cohort heat map"));
    const headers = [t("Cohort"), t("Entities"), ...Array.from({ length: periods }, (_, i) => t("Period") + " " + i), t("Returned"), t("Median periods to return")];
    $("#an-table").replaceChildren(table(headers, rows.map((r) => [
      r.cohort + (r.group_label ? " · " + r.group_label : ""), drillLink(fmt(r.size), { cohort: r.cohort, group: r.group, period: null }, r.cohort),
      ...r.cells.map((c, i) => (c ? drillLink(fmt(c.count) + " (" + pct(c.share) + ")", { cohort: r.cohort, group: r.group, period: i }, r.cohort + " · " + t("Period") + " " + i) : "")),
      fmt(r.returned), r.median_periods === null ? "—" : r.median_periods,
    ])));
    // time to milestone
    const card = el("div", { class: "card an-card" }, el("h2", { text: t("Time to milestone (median periods from inclusion to return)") }));
    const box = el("div", { class: "an-chart an-chart-small", id: "an-ttm", role: "img", "aria-label": t("Time to milestone") });
    card.append(box);
    $("#an-extra").append(card);
    if (!rows.some((r) => r.median_periods !== null)) { box.replaceWith(el("p", { class: "muted", text: t("Nobody has met the return condition yet.") })); return; }
    const ttm = echarts.init(box);
    extraCharts.push(ttm);
    ttm.setOption({
      animation: false, grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true }, tooltip: {},
      xAxis: { type: "category", data: rows.map((r) => r.cohort + (r.group_label ? " · " + r.group_label : "")) },
      yAxis: { type: "value", minInterval: 0.5 },
      series: [{ type: "bar", data: rows.map((r) => r.median_periods), itemStyle: { color: "#2557d6" }, label: { show: true, position: "top" } }],
    });
  }

  const PALETTE = ["#2557d6", "#b7791f", "#7a4fd6", "#c53030", "#0f8a8a", "#d6572b", "#5d6b7c", "#a0529c", "#3a7bd5", "#8a6d1f"];
  function itemColor(item) {
    if (item === "__anchor__") return "#16223a";
    if (item === "__other__") return "#b9c2cf";
    let h = 0;
    String(item).split("").forEach((ch) => { h = (h * 31 + ch.charCodeAt(0)) >>> 0; });
    return PALETTE[h % PALETTE.length];
  }
  function drawFlow() {
    const labels = Object.fromEntries(result.nodes.map((n) => [n.id, n.label]));
    const byId = Object.fromEntries(result.nodes.map((n) => [n.id, n]));
    chartSet({
      animation: false,
      tooltip: { trigger: "item", formatter: (p) => {
        if (p.dataType === "edge") return labels[p.data.source] + " → " + labels[p.data.target] + ": " + fmt(p.data.value) + " " + entitiesWord() + " (" + pct(p.data.share) + ")";
        const n = byId[p.data.name]; return n.label + ": " + fmt(n.entities) + " " + entitiesWord() + " (" + pct(n.share) + ")";
      } },
      series: [{
        type: "sankey", left: 8, right: 120, top: 16, bottom: 16, nodeGap: 10, nodeWidth: 16, layoutIterations: 16, draggable: false,
        emphasis: { focus: "adjacency" },
        data: result.nodes.map((n) => ({ name: n.id, depth: n.column, itemStyle: { color: itemColor(n.item) } })),
        links: result.links.map((l) => ({ source: l.source, target: l.target, value: l.entities, share: l.share })),
        label: { formatter: (p) => labels[p.name] + " (" + fmt(byId[p.name].entities) + ")", fontSize: 11 },
        lineStyle: { color: "gradient", curveness: 0.5, opacity: 0.35 },
      }],
    });
    chart.on("click", (p) => {
      if (p.dataType === "edge") drill({ source: p.data.source, target: p.data.target }, labels[p.data.source] + " → " + labels[p.data.target]);
      else drill({ node: p.data.name }, labels[p.data.name]);
    });
    const top = result.paths[0];
    $("#an-summary").textContent = fmt(result.entities) + " " + entitiesWord() + " " + t("in the flow") + ". " +
      (top ? t("Most common path") + ": " + top.labels.join(" → ") + " (" + fmt(top.entities) + ", " + pct(top.share) + ")." : "");
    $("#an-chart").setAttribute("aria-label", t("Flow (Sankey diagram)"));
    const nodesTable = table([t("Column"), t("Item"), t("Entities"), t("Share")], result.nodes.map((n) => [n.column + 1, n.label, drillLink(fmt(n.entities), { node: n.id }, n.label), pct(n.share)]));
    const pathsTable = table([t("Path"), t("Entities"), t("Share")], result.paths.map((p) => [p.labels.join(" → "), fmt(p.entities), pct(p.share)]));
    $("#an-table").replaceChildren(el("h3", { text: t("Items per column") }), nodesTable, el("h3", { text: t("Most common paths") }), pathsTable);
  }

  // --- Tabs, save, boot ----------------------------------------------------------------
  document.querySelectorAll(".an-tabs [data-view]").forEach((tab) => tab.addEventListener("click", (e) => {
    e.preventDefault();
    document.querySelectorAll(".an-tabs [data-view]").forEach((x) => { x.classList.toggle("active", x === tab); x.setAttribute("aria-selected", String(x === tab)); });
    document.querySelectorAll("[data-pane]").forEach((p) => { p.hidden = p.dataset.pane !== tab.dataset.view; });
    if (tab.dataset.view === "picture" && chart) {
      chartResize();
      if (pendingOption) chartSet(pendingOption);
    }
  }));
  $("#an-form").addEventListener("submit", (e) => { e.preventDefault(); run(); });
  const nameInput = $("#an-name");
  nameInput.value = boot.name;
  const vis = $("#an-visibility");
  vis.value = boot.visibility;
  const saveBtn = $("#an-save");
  if (saveBtn) saveBtn.addEventListener("click", () => {
    const payload = { name: nameInput.value, kind: kind, visibility: vis.value, settings: cleanSettings() };
    const url = boot.analysis ? boot.urls.analyses + boot.analysis + "/" : boot.urls.analyses;
    fetch(url, { method: boot.analysis ? "PATCH" : "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), Accept: "application/json" }, body: JSON.stringify(payload) })
      .then((r) => r.json().then((data) => ({ ok: r.ok, data: data })))
      .then(({ ok, data }) => {
        if (!ok) { showErrors(data); return; }
        if (!boot.analysis) { window.location = boot.urls.index + data.id + "/"; return; }
        $("#an-status").textContent = t("Saved.");
      });
  });
  window.addEventListener("resize", () => {
    chartResize();
    extraCharts.forEach((c) => { if (shown(c.getDom())) c.resize(); });
  });
  document.body.append(el("datalist", { id: "an-content-types" }, V.content_types.map((c) => el("option", { value: c }))));
  drawForm();
  run();
})();
