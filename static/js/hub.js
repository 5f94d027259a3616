// Small behaviours shared by every page: flash dismissal, dialogs loaded by htmx,
// select-all checkboxes with a selection bar.
(function () {
  "use strict";
  // <form data-confirm="Question?">: ask before submitting (no inline handlers: the
  // Content-Security-Policy allows our own script files only).
  document.addEventListener("submit", function (event) {
    const form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) { event.preventDefault(); }
  }, true);
  document.addEventListener("click", function (event) {
    const close = event.target.closest("[data-dismiss]");
    if (close) { close.parentElement.remove(); }
    const closeModal = event.target.closest("[data-close-modal]");
    if (closeModal) { const modal = document.getElementById("modal"); if (modal.open) modal.close(); }
  });

  // Row menus (<details data-menu>): one open at a time, closed by a click elsewhere or
  // on one of their items.
  document.addEventListener("click", function (event) {
    const inside = event.target.closest("details[data-menu]");
    document.querySelectorAll("details[data-menu][open]").forEach(menu => {
      if (menu !== inside || event.target.closest(".menu-item")) menu.open = false;
    });
  });

  // Any response swapped into #modal-body opens the dialog; an HX-Trigger
  // "closeModal" from the server closes it.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "modal-body") {
      const modal = document.getElementById("modal");
      if (!modal.open) modal.showModal();
    }
  });
  // HX-Trigger {"openDialog": {"url": "…"}}: load that dialog into the modal (e.g. the
  // call log after completing a call task).
  document.addEventListener("openDialog", function (event) {
    if (event.detail && event.detail.url && window.htmx) {
      window.htmx.ajax("GET", event.detail.url, { target: "#modal-body" });
    }
  });
  // Click-to-call: a phone number (<a href="tel:…" data-call-dialog="…">) dials with the
  // phone as any tel: link does, and also opens the call-log dialog, pre-filled.
  document.addEventListener("click", function (event) {
    const link = event.target.closest("a[data-call-dialog]");
    if (!link || !window.htmx || event.button !== 0 || event.ctrlKey || event.metaKey) return;
    window.htmx.ajax("GET", link.dataset.callDialog, { target: "#modal-body" });
  });
  // <button data-params-as="selected:contact">: send the ticked boxes under another name
  // (one selection bar, dialogs that name their parameter differently).
  document.addEventListener("htmx:configRequest", function (event) {
    const elt = event.detail.elt;
    const rename = elt && elt.dataset ? elt.dataset.paramsAs : "";
    const data = event.detail.formData;
    if (!rename || !data) return;
    const [from, to] = rename.split(":");
    const values = data.getAll(from);
    data.delete(from);
    values.forEach(value => data.append(to, value));
  });
  document.addEventListener("closeModal", function () {
    const modal = document.getElementById("modal");
    if (modal && modal.open) modal.close();
  });
  // Server-sent flash text: HX-Trigger {"flash": {"level": "success", "message": "…"}}
  document.addEventListener("flash", function (event) {
    const box = document.getElementById("messages");
    if (!box) return;
    const div = document.createElement("div");
    div.className = "flash flash-" + (event.detail.level || "info");
    div.setAttribute("role", "status");
    div.textContent = event.detail.message;
    const btn = document.createElement("button");
    btn.type = "button"; btn.className = "flash-close"; btn.textContent = "×"; btn.setAttribute("data-dismiss", "");
    div.appendChild(btn);
    box.appendChild(div);
  });

  // Selection: a table with data-selectable; checkboxes name="selected";
  // a [data-select-all] box; elements with [data-selection-count] show the count
  // and [data-needs-selection] buttons are enabled only when something is ticked.
  function refreshSelection(root) {
    const boxes = root.querySelectorAll("input[name='selected']");
    const ticked = Array.from(boxes).filter(b => b.checked).length;
    root.querySelectorAll("[data-selection-count]").forEach(el => { el.textContent = ticked; });
    root.querySelectorAll("[data-needs-selection]").forEach(el => { el.disabled = ticked === 0; });
    root.querySelectorAll("[data-selection-bar]").forEach(el => { el.hidden = ticked === 0; });
  }
  // A selection that survives new search results ([data-selection-keep], the "select
  // target accounts" panel): every tick is kept as a chip holding a hidden
  // name="selected" input inside [data-kept], so a search that swaps the result list
  // never drops a tick; boxes ([data-pick]) in a new list come back ticked when kept,
  // the counter counts the chips, and submitting sends every kept id.
  function keptInputs(root) {
    return Array.from(root.querySelectorAll("[data-kept] input[name='selected']"));
  }
  function refreshKept(root) {
    const inputs = keptInputs(root);
    const ids = new Set(inputs.map(i => i.value));
    root.querySelectorAll("input[data-pick]").forEach(b => { b.checked = ids.has(b.value); });
    root.querySelectorAll("[data-selection-count]").forEach(el => { el.textContent = ids.size; });
    root.querySelectorAll("[data-needs-selection]").forEach(el => { el.disabled = ids.size === 0; });
    root.querySelectorAll("[data-kept-empty]").forEach(el => { el.hidden = ids.size > 0; });
  }
  function keep(root, id, name) {
    if (keptInputs(root).some(i => i.value === id)) return;
    const chip = document.createElement("span");
    chip.className = "chip"; chip.dataset.keptId = id;
    chip.appendChild(document.createTextNode(name));
    const input = document.createElement("input");
    input.type = "hidden"; input.name = "selected"; input.value = id;
    chip.appendChild(input);
    const btn = document.createElement("button");
    btn.type = "button"; btn.className = "chip-remove"; btn.dataset.unkeep = id;
    btn.setAttribute("aria-label", "Unselect " + name); btn.textContent = "×";
    chip.appendChild(btn);
    root.querySelector("[data-kept]").appendChild(chip);
  }
  function unkeep(root, id) {
    root.querySelectorAll("[data-kept] [data-kept-id]").forEach(chip => {
      if (chip.dataset.keptId === id) chip.remove();
    });
  }
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-unkeep]");
    if (!button) return;
    const root = button.closest("[data-selection-keep]");
    unkeep(root, button.dataset.unkeep);
    refreshKept(root);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    const target = event.detail.target;
    if (!target) return;
    const root = target.closest("[data-selection-keep]");
    if (root) refreshKept(root);
    target.querySelectorAll("[data-selection-keep]").forEach(refreshKept);
  });

  document.addEventListener("change", function (event) {
    const kept = event.target.closest("[data-selection-keep]");
    if (kept && event.target.matches("input[data-pick]")) {
      if (event.target.checked) keep(kept, event.target.value, event.target.dataset.name);
      else unkeep(kept, event.target.value);
      refreshKept(kept);
      return;
    }
    const root = event.target.closest("[data-selection-root]");
    if (!root || root.matches("[data-selection-keep]")) return;
    if (event.target.matches("[data-select-all]")) {
      root.querySelectorAll("input[name='selected']").forEach(b => { b.checked = event.target.checked; });
    }
    refreshSelection(root);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-selection-root]").forEach(root => {
      if (root.matches("[data-selection-keep]")) refreshKept(root); else refreshSelection(root);
    });
  });
})();
