// Run page: poll /api/runs/{id} while the run is queued or running, update the progress
// bar, and reload once it is done (the server then renders figures). Draw figures.
(function () {
  "use strict";
  var box = document.getElementById("run-status");
  if (!box) { return; }
  var runId = box.dataset.runId;
  var bar = document.getElementById("progress");
  var text = document.getElementById("status-text");
  function draw() {
    if (!window.Plotly) { return; }
    document.querySelectorAll("div.figure").forEach(function (div) {
      var data = JSON.parse(document.getElementById("figdata-" + div.dataset.figure).textContent);
      window.Plotly.newPlot(div, data.data, data.layout, {responsive: true});
    });
  }
  function poll() {
    fetch("/api/runs/" + runId).then(function (r) { return r.json(); }).then(function (run) {
      bar.value = run.progress;
      text.textContent = run.status + (run.queued ? " (queued)" : "") + " — " +
        run.chunks_done + "/" + (run.chunks_total === null ? "?" : run.chunks_total);
      box.dataset.status = run.status;
      var settled = run.status === "done" || run.status === "failed" ||
        run.status === "interrupted";
      if (settled && !run.queued) {
        window.location.reload();
      } else {
        window.setTimeout(poll, 500);
      }
    }).catch(function () { window.setTimeout(poll, 2000); });
  }
  var state = box.dataset.status;
  var queued = text.textContent.indexOf("(queued)") >= 0;
  if (state === "queued" || state === "running" || queued) {
    window.setTimeout(poll, 300);
  }
  draw();
})();
