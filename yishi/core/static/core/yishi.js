/* Yishi's own small script (no inline scripts: the CSP allows only files from our origin).
   Every page works without it; it only helps. */
(function () {
  "use strict";

  /* A refused form: move focus to the error summary so screen readers and keyboard users start
     there; its links put focus in the field they name, not just scroll to it. */
  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (!summary) { return; }
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-field]");
      if (!link) { return; }
      var field = document.getElementById(link.getAttribute("data-field"));
      if (!field) { return; }
      event.preventDefault();
      field.scrollIntoView({ block: "center" });
      field.focus();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusErrorSummary);
  } else {
    focusErrorSummary();
  }
})();
