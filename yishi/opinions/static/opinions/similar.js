// While a resident types, show open public opinions that look like theirs, so they can add a
// "me too" instead of raising the same matter twice. The form works without this script.
(function () {
  var form = document.querySelector(".opinion-form[data-similar-url]");
  var box = document.getElementById("similar-opinions");
  if (!form || !box || !window.fetch) return;
  var title = form.querySelector("[name=title]");
  var text = form.querySelector("[name=text]");
  var timer = null;
  function show(items) {
    box.textContent = "";
    if (!items.length) return;
    var heading = document.createElement("p");
    heading.textContent = box.dataset.heading;
    var list = document.createElement("ul");
    items.forEach(function (item) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = "/opinions/" + encodeURIComponent(item.number) + "/";
      link.textContent = item.title;
      li.appendChild(link);
      li.appendChild(document.createTextNode(" · " + item.state));
      list.appendChild(li);
    });
    box.appendChild(heading);
    box.appendChild(list);
  }
  function lookup() {
    var params = new URLSearchParams({ title: title.value, text: text.value.slice(0, 2000) });
    fetch(form.dataset.similarUrl + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(show)
      .catch(function () {});
  }
  [title, text].forEach(function (field) {
    if (!field) return;
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(lookup, 600);
    });
  });
})();
