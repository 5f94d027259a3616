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

  // Any response swapped into #modal-body opens the dialog; an HX-Trigger
  // "closeModal" from the server closes it.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "modal-body") {
      const modal = document.getElementById("modal");
      if (!modal.open) modal.showModal();
    }
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
  document.addEventListener("change", function (event) {
    const root = event.target.closest("[data-selection-root]");
    if (!root) return;
    if (event.target.matches("[data-select-all]")) {
      root.querySelectorAll("input[name='selected']").forEach(b => { b.checked = event.target.checked; });
    }
    refreshSelection(root);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-selection-root]").forEach(refreshSelection);
  });
})();
