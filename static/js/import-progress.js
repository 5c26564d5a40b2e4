// The progress bar of an Excel import that a worker runs: polls the job's small JSON status
// and reloads the page (which then shows the preview or the outcome) when the work is done.
// A separate file, no inline script, so a Content-Security-Policy can forbid inline code.
(function () {
  "use strict";
  var bar = document.getElementById("import-progress");
  var label = document.getElementById("import-progress-label");
  if (!bar || !window.fetch) { return; }
  var url = bar.getAttribute("data-status-url");
  var delay = 1000;

  function show(data) {
    if (data.total) {
      bar.max = data.total;
      bar.value = data.done;
      if (label) { label.textContent = data.done + " / " + data.total + " · " + data.status_label; }
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (!data.running) {
          window.location.reload();
          return;
        }
        delay = 1000;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 15000);  // a server or network hiccup: back off
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
}());
