// Progress of a package build: poll the JSON status and update the page in place.
// Progressive enhancement only: without JavaScript the page offers a reload link.
(function () {
  "use strict";
  var root = document.getElementById("voortgang");
  if (!root || root.dataset.finished === "true") { return; }
  var url = root.dataset.statusUrl;
  var bar = document.getElementById("voortgang-balk");
  var text = document.getElementById("voortgang-tekst");
  var reload = document.getElementById("voortgang-herlaad");
  var lastText = text ? text.textContent : "";
  var delay = 1500;

  function render(status) {
    if (bar) { bar.max = status.total || 1; bar.value = status.done; }
    status.steps.forEach(function (step) {
      var row = root.querySelector('tr[data-ministry="' + CSS.escape(step.ministry) + '"]');
      if (!row) { return; }
      row.querySelector('[data-field="status"]').textContent = step.statusLabel;
      var result = row.querySelector('[data-field="result"]');
      result.textContent = "";
      if (step.error) {
        var span = document.createElement("span");
        span.className = "bundler-packages-error";
        span.textContent = step.error;
        result.appendChild(span);
      } else if (step.version) {
        result.textContent = step.version;
      }
    });
    var message = (root.dataset.message || "{done}/{total}: {status}")
      .replace("{done}", status.done).replace("{total}", status.total).replace("{status}", status.statusLabel);
    // Only touch the live region when the words change, so screen readers are not flooded.
    if (text && message !== lastText) { text.textContent = message; lastText = message; }
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (status) {
        render(status);
        if (status.finished) {
          // Reload once so the page shows the final server-rendered state (links, alerts).
          window.location.reload();
        } else {
          window.setTimeout(poll, delay);
        }
      })
      .catch(function () { if (reload) { reload.hidden = false; } });
  }

  if (reload) { reload.hidden = true; }
  window.setTimeout(poll, delay);
})();
