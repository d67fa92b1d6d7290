// The online reception room updates by itself: every two seconds it asks the server whether the
// room changed (If-None-Match with the version it shows; "304 Not Modified" when nothing did)
// and, when it did, updates the queue place or "your turn" (a live region screen readers
// announce), appends new lines of the conversation and shows the message form once the deputy
// has called the resident in. The page works without it: the Refresh button reloads it.
(function () {
  "use strict";
  var box = document.querySelector("[data-room-live]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-live-url");
  var token = box.getAttribute("data-live-token");
  var etag = box.getAttribute("data-live-etag");
  var status = box.querySelector("[data-live-status]");
  var list = box.querySelector("[data-live-messages]");
  var form = box.querySelector("[data-live-form]");
  var every = 2000;
  var timer = null;

  function parsed(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    return holder;
  }

  function apply(state) {
    var fresh = parsed(state.status);
    if (fresh.innerHTML !== status.innerHTML.trim()) {
      status.innerHTML = fresh.innerHTML;
    }
    state.messages.forEach(function (message) {
      if (list.querySelector('[data-id="' + message.id + '"]')) { return; }
      var empty = list.querySelector("[data-empty]");
      if (empty) { empty.remove(); }
      list.appendChild(parsed(message.html).content);
    });
    if (form) { form.hidden = !state.open; }
  }

  function poll() {
    timer = null;
    if (document.hidden) { return; }  // polled again when the page is shown
    fetch(url, {
      credentials: "same-origin", cache: "no-store",
      headers: { "X-Room-Token": token, "If-None-Match": etag, "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 304) { return null; }
      if (!response.ok) { throw new Error(String(response.status)); }
      etag = response.headers.get("ETag") || etag;
      return response.json();
    }).then(function (state) {
      if (state) { apply(state); }
      schedule(every);
    }).catch(function (error) {
      // An expired page or a room closed to this person: stop; the Refresh button remains.
      if (error && (error.message === "403" || error.message === "404")) { return; }
      schedule(every * 3);  // the network dropped: try again a little later
    });
  }

  function schedule(delay) {
    if (timer === null) { timer = setTimeout(poll, delay); }
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { schedule(0); }
  });
  schedule(every);
})();
