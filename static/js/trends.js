// Region audit trends: one line chart per care type, drawn from the accessible table next to it.
(function () {
  "use strict";
  if (!window.Chart) { return; }
  document.querySelectorAll("canvas.trend-chart").forEach(function (canvas) {
    var rows = document.querySelectorAll("#" + canvas.dataset.table + " tbody tr");
    var num = function (v) { return v === "" ? null : Number(v); };
    var labels = [], free = [], wait = [], stale = [];
    rows.forEach(function (r) {
      labels.push(r.dataset.week); free.push(num(r.dataset.free));
      wait.push(num(r.dataset.wait)); stale.push(num(r.dataset.stale));
    });
    new window.Chart(canvas, {
      type: "line",
      data: { labels: labels, datasets: [
        { label: "Vrije plekken", data: free, borderColor: "#1a7f37", yAxisID: "y" },
        { label: "Mediaan aanmelding (weken)", data: wait, borderColor: "#24578f", yAxisID: "y" },
        { label: "Verouderd (%)", data: stale, borderColor: "#b00020", yAxisID: "y2" }
      ] },
      options: { animation: false, scales: { y: { beginAtZero: true }, y2: { beginAtZero: true, max: 100, position: "right" } } }
    });
  });
})();
