// Scoring model form: a rule row shows the inputs of its kind (interaction or field) only.
(function () {
  "use strict";
  function sync(row) {
    var select = row.querySelector("select[name$='-kind']");
    if (select) row.setAttribute("data-kind", select.value);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-rule-row]").forEach(function (row) {
      sync(row);
      row.addEventListener("change", function (event) {
        if (event.target.name && /-kind$/.test(event.target.name)) sync(row);
      });
    });
  });
})();
