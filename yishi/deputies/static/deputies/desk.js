// The reception desk's live count: every few seconds, read the desk's figures and update the
// numbers on the page (several people may work the desk at once). The desk works without it.
(function () {
  var box = document.querySelector("[data-desk-counts]");
  if (!box || !window.fetch) return;
  function refresh() {
    if (document.hidden) return;
    fetch(box.dataset.deskCounts, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (counts) {
        if (!counts) return;
        box.querySelectorAll("[data-count]").forEach(function (el) {
          var value = counts[el.dataset.count];
          if (value !== undefined) el.textContent = value;
        });
      })
      .catch(function () {});
  }
  setInterval(refresh, 5000);
})();
