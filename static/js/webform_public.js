// Hosted forms, public page: one submission per click (the button is disabled while the
// page posts), and the page tells an embedding iframe its height so no inner scrollbar shows.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    const form = event.target.closest("form.wf-form");
    if (!form || form.dataset.preview !== undefined) return;
    if (form.dataset.sending) { event.preventDefault(); return; }
    form.dataset.sending = "1";
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
  });
  function tellHeight() {
    if (window.parent === window) return;
    window.parent.postMessage({ abmHubForm: true, height: document.documentElement.scrollHeight }, "*");
  }
  window.addEventListener("load", tellHeight);
  window.addEventListener("resize", tellHeight);
})();
