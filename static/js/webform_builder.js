// Hosted forms, builder pages: "Copy" buttons (data-copy-target="#id") copy the value of the
// field they name (the public address, the embed snippet, a prefill link).
(function () {
  "use strict";
  function copied(button) {
    const label = button.textContent;
    button.textContent = button.dataset.copiedLabel || "✓";
    setTimeout(function () { button.textContent = label; }, 1500);
  }
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy-target]");
    if (!button) return;
    const field = document.querySelector(button.dataset.copyTarget);
    if (!field) return;
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(function () { copied(button); }, function () {
        document.execCommand("copy");
        copied(button);
      });
    } else {
      document.execCommand("copy");
      copied(button);
    }
  });
})();
