// The sign-in desk without waiting: the list narrows while staff type (the search form works
// without this script too), and the count of members present is read every few seconds so a
// second desk's sign-ins show here as well.
(function () {
  var list = document.getElementById("desk-list");
  var input = document.getElementById("desk-q");
  var count = document.getElementById("desk-quorum");
  if (list && input) {
    input.addEventListener("input", function () {
      var q = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(list.querySelectorAll("li[data-name]"), function (li) {
        var hit = !q || li.dataset.name.toLowerCase().indexOf(q) !== -1 ||
          li.dataset.number === q || (q.length >= 4 && /^\d+$/.test(q) &&
          q.slice(-4) === li.dataset.mobileEnd);
        li.hidden = !hit;
      });
    });
  }
  if (count && count.dataset.countUrl && window.fetch) {
    setInterval(function () {
      if (document.hidden) return;
      fetch(count.dataset.countUrl, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data && data.text !== count.textContent) count.textContent = data.text; })
        .catch(function () {});
    }, 4000);
  }
})();
