// Polls the import job's progress while it runs, then reloads the page to show the result.
(function () {
  "use strict";
  var box = document.getElementById("import-job");
  if (!box || box.dataset.finished === "1") { return; }
  var bar = box.querySelector("progress");
  var count = box.querySelector("[data-testid=import-count]");
  var status = box.querySelector("[data-testid=import-status]");
  function poll() {
    fetch(box.dataset.progressUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.total) { bar.value = data.percent; } else { bar.removeAttribute("value"); }
        bar.textContent = data.percent + "%";
        count.textContent = data.done + " / " + data.total;
        status.textContent = data.status_label;
        if (data.finished) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
}());
