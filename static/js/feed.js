// The live feed: the bell in the top bar with its unread count, the panel docked beside
// any page (remembered in localStorage, reopened on the next page), and the feed page.
//
// Transport: one per page, shared by every feed on it. With a stream URL (Redis set and
// the ASGI server) an EventSource receives items in seconds and reconnects with
// Last-Event-ID; without one, or when the stream fails, the page polls
// /api/v1/feed/?since=<cursor> every few seconds (and tries the stream again later).
// Items are deduplicated by their event id. Items are built with textContent (no HTML
// from data), actions open the existing dialogs through htmx.
(function () {
  "use strict";
  const DOCK_KEY = "abm.feed.docked";
  const RETRY_STREAM_MS = 60000;
  const PAGE_SIZE = 30;

  const pageRoot = document.querySelector("[data-feed-root][data-feed-mode='page']");
  let dock = document.getElementById("feed-dock");
  // On the feed page the page is the feed: no second copy docked beside it.
  if (pageRoot && dock) { dock.remove(); dock = null; }
  const roots = Array.from(document.querySelectorAll("[data-feed-root]"));
  if (!roots.length) return;
  const config = roots[0].dataset;
  const toggle = document.querySelector("[data-feed-toggle]");
  const badge = document.querySelector("[data-feed-unread]");

  const seen = new Set();
  let cursor = 0;        // highest event id received
  let lastSeen = 0;      // the server's read cursor
  let unread = 0;
  let oldest = null;     // lowest event id shown (for "Show older")
  let source = null;
  let pollTimer = null;
  let readTimer = null;

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }
  function loaded(hasMore) {
    roots.forEach(root => {
      const s = root.querySelector("[data-feed-status]"); if (s) s.hidden = true;
      root.querySelector("[data-feed-empty]").hidden = root.querySelector("[data-feed-list]").children.length > 0;
      if (hasMore !== undefined) root.querySelector("[data-feed-older]").hidden = !hasMore;
    });
  }
  function showUnread() {
    if (!badge) return;
    badge.textContent = unread > 99 ? "99+" : String(unread);
    badge.hidden = unread <= 0;
  }

  // --- "2 min ago" -------------------------------------------------------------------
  const lang = document.documentElement.lang || undefined;
  const relative = window.Intl && Intl.RelativeTimeFormat ? new Intl.RelativeTimeFormat(lang, { numeric: "auto", style: "short" }) : null;
  function ago(iso) {
    const seconds = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
    if (!relative) return new Date(iso).toLocaleString();
    const abs = Math.abs(seconds);
    if (abs < 45) return relative.format(0, "second");
    if (abs < 3600) return relative.format(Math.round(seconds / 60), "minute");
    if (abs < 86400) return relative.format(Math.round(seconds / 3600), "hour");
    if (abs < 86400 * 30) return relative.format(Math.round(seconds / 86400), "day");
    return new Date(iso).toLocaleDateString(lang);
  }
  function refreshTimes() {
    document.querySelectorAll(".feed-item time[datetime]").forEach(t => { t.textContent = ago(t.getAttribute("datetime")); });
  }

  // --- One item ------------------------------------------------------------------------
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function actionButton(label, url, extra) {
    const button = el("button", "btn btn-small feed-action " + (extra || ""), label);
    button.type = "button";
    button.dataset.feedDialog = url;
    return button;
  }
  function render(item, labels) {
    const li = el("li", "feed-item feed-" + item.kind.replace(/[^a-z_]/g, "-"));
    li.dataset.feedId = item.id;
    if (item.id > lastSeen) li.classList.add("feed-unread");
    const line = el("div", "feed-line");
    line.appendChild(el("span", "feed-kind", item.kind_label));
    line.appendChild(document.createTextNode(" "));
    if (item.person) {
      const person = el("a", "feed-person", item.person.name);
      person.href = item.person.url;
      line.appendChild(person);
      line.appendChild(document.createTextNode(" "));
    }
    line.appendChild(el("span", "feed-text", item.text));
    line.title = (item.person ? item.person.name + " " : "") + item.text;
    li.appendChild(line);

    const meta = el("div", "feed-meta small");
    if (item.account) {
      const account = el("a", "feed-account", item.account.name);
      account.href = item.account.url;
      meta.appendChild(account);
      meta.appendChild(el("span", "faint", " · "));
    }
    const time = el("time", "faint", ago(item.occurred_at));
    time.setAttribute("datetime", item.occurred_at);
    time.title = new Date(item.occurred_at).toLocaleString(lang);
    meta.appendChild(time);
    const actions = el("span", "feed-actions");
    const a = item.actions || {};
    if (a.email) actions.appendChild(actionButton(labels.labelEmail, a.email));
    if (a.tel) {
      const call = el("a", "btn btn-small feed-action", labels.labelCall);
      call.href = a.tel;
      if (a.call) call.dataset.callDialog = a.call; // hub.js opens the call-log dialog
      actions.appendChild(call);
    }
    if (a.cadence) actions.appendChild(actionButton(labels.labelCadence, a.cadence));
    if (a.open) {
      const open = el("a", "btn btn-small feed-action", labels.labelOpen);
      open.href = a.open;
      actions.appendChild(open);
    }
    meta.appendChild(actions);
    li.appendChild(meta);
    return li;
  }
  function insert(items, { older } = {}) {
    const fresh = items.filter(item => !seen.has(item.id));
    fresh.sort((x, y) => y.id - x.id); // newest first
    fresh.forEach(item => {
      seen.add(item.id);
      cursor = Math.max(cursor, item.id);
      oldest = oldest === null ? item.id : Math.min(oldest, item.id);
    });
    roots.forEach(root => {
      const list = root.querySelector("[data-feed-list]");
      const nodes = fresh.map(item => render(item, root.dataset));
      if (older) nodes.forEach(node => list.appendChild(node));
      else {
        // Newest on top: keep id order when several arrive out of order.
        nodes.reverse().forEach(node => {
          const before = Array.from(list.children).find(child => Number(child.dataset.feedId) < Number(node.dataset.feedId));
          list.insertBefore(node, before || null);
        });
      }
      root.querySelector("[data-feed-empty]").hidden = list.children.length > 0;
    });
    return fresh.length;
  }

  // --- Read state ------------------------------------------------------------------------
  function looking() {
    return document.visibilityState === "visible" && (pageRoot || (dock && !dock.hidden));
  }
  function markRead() {
    readTimer = null;
    if (cursor <= lastSeen) return;
    // keepalive: the request outlives the page when the rep moves on at once.
    fetch(config.read, {
      method: "POST", credentials: "same-origin", keepalive: true,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ up_to: cursor }),
    }).then(r => r.ok ? r.json() : null).then(data => {
      if (!data) return;
      lastSeen = Math.max(lastSeen, data.last_seen_id); unread = data.unread; showUnread();
    }).catch(() => {});
  }
  function markReadSoon() {
    if (!looking() || cursor <= lastSeen) return;
    clearTimeout(readTimer);
    readTimer = setTimeout(markRead, 400);
  }
  window.addEventListener("pagehide", function () {
    if (readTimer) { clearTimeout(readTimer); markRead(); }
  });
  function received(count) {
    if (!count) return;
    if (looking()) markReadSoon();
    else { unread += count; showUnread(); }
  }

  // --- Transport -------------------------------------------------------------------------
  function api(params) {
    const url = new URL(config.api, window.location.origin);
    Object.keys(params).forEach(key => url.searchParams.set(key, params[key]));
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(r => { if (!r.ok) throw new Error(String(r.status)); return r.json(); });
  }
  function poll() {
    clearTimeout(pollTimer);
    api({ since: cursor, limit: 100 }).then(data => {
      const count = insert(data.results);
      loaded();
      cursor = Math.max(cursor, data.cursor);
      lastSeen = data.last_seen_id;
      if (!looking()) { unread = data.unread; showUnread(); } else received(count);
      // A tab in the background asks less often; it catches up when looked at again.
      const every = Number(config.pollSeconds || 5) * 1000 * (document.visibilityState === "visible" ? 1 : 6);
      pollTimer = setTimeout(poll, data.has_more ? 0 : every);
    }).catch(() => { pollTimer = setTimeout(poll, Number(config.pollSeconds || 5) * 2000); });
  }
  function startPolling() {
    document.documentElement.dataset.feedTransport = "polling";
    poll();
    if (config.stream) setTimeout(startStream, RETRY_STREAM_MS);
  }
  function startStream() {
    if (!config.stream || !window.EventSource) { startPolling(); return; }
    clearTimeout(pollTimer);
    let failures = 0;
    source = new EventSource(config.stream + "?since=" + cursor);
    source.addEventListener("ready", function () {
      failures = 0;
      document.documentElement.dataset.feedTransport = "stream";
    });
    source.addEventListener("item", function (event) {
      received(insert([JSON.parse(event.data)]));
    });
    source.addEventListener("fallback", function () { source.close(); startPolling(); });
    source.onerror = function () {
      failures += 1;
      // A refused stream (503: no Redis, not ASGI) is CLOSED at once; a dropped one
      // reconnects by itself with Last-Event-ID, until it keeps failing.
      if (source.readyState === EventSource.CLOSED || failures > 3) {
        source.close();
        startPolling();
      }
    };
  }

  function loadOlder() {
    if (oldest === null) return;
    api({ before: oldest, limit: PAGE_SIZE }).then(data => {
      insert(data.results, { older: true });
      roots.forEach(root => { root.querySelector("[data-feed-older]").hidden = !data.has_more; });
    }).catch(() => {});
  }
  document.addEventListener("click", function (event) {
    const older = event.target.closest("[data-feed-older]");
    if (older) { loadOlder(); return; }
    const dialog = event.target.closest("[data-feed-dialog]");
    if (dialog && window.htmx) {
      window.htmx.ajax("GET", dialog.dataset.feedDialog, { target: "#modal-body" });
    }
  });

  // --- Docking ---------------------------------------------------------------------------
  function topbarHeight() {
    const bar = document.querySelector(".topbar");
    document.documentElement.style.setProperty("--topbar-h", (bar ? bar.offsetHeight : 0) + "px");
  }
  function setDocked(open) {
    if (!dock) return;
    dock.hidden = !open;
    document.body.classList.toggle("feed-docked", open);
    if (toggle) toggle.setAttribute("aria-expanded", open ? "true" : "false");
    try { if (open) localStorage.setItem(DOCK_KEY, "1"); else localStorage.removeItem(DOCK_KEY); } catch (e) { /* private mode */ }
    if (open) { topbarHeight(); markReadSoon(); }
  }
  if (toggle && dock) {
    toggle.addEventListener("click", function (event) {
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      setDocked(dock.hidden);
    });
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-feed-close]")) setDocked(false);
  });
  document.addEventListener("visibilitychange", markReadSoon);
  window.addEventListener("resize", topbarHeight);

  // --- Start -----------------------------------------------------------------------------
  let docked = false;
  try { docked = localStorage.getItem(DOCK_KEY) === "1"; } catch (e) { docked = false; }
  if (docked && dock) setDocked(true);
  function start() {
    api({ limit: PAGE_SIZE }).then(data => {
      lastSeen = data.last_seen_id;
      unread = data.unread;
      showUnread();
      insert(data.results);
      cursor = Math.max(cursor, data.cursor);
      loaded(data.has_more);
      markReadSoon();
      startStream();
    }).catch(() => { setTimeout(start, Number(config.pollSeconds || 5) * 2000); });
  }
  start();
  setInterval(refreshTimes, 30000);
})();
