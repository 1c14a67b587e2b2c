// Draws each dashboard chart from the JSON table beside it ([[label, number], ...]); the table stays as the record.
(function () {
  "use strict";
  function draw() {
    if (typeof window.Chart === "undefined") { return; }
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.source);
      if (!source) { return; }
      var rows = JSON.parse(source.textContent);
      new window.Chart(canvas, {
        type: canvas.dataset.chart,
        data: {
          labels: rows.map(function (r) { return r[0]; }),
          datasets: [{ data: rows.map(function (r) { return Number(r[1]); }), backgroundColor: "#c8102e",
                       borderColor: "#c8102e" }]
        },
        options: { animation: false, plugins: { legend: { display: false } },
                   scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
      });
      canvas.dataset.drawn = "1";
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
}());
