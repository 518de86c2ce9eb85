// Region audit trends: one line chart per care type, drawn from the accessible table next to it.
(function () {
  "use strict";
  if (!window.Chart) { return; }
  document.querySelectorAll("canvas.trend-chart").forEach(function (canvas) {
    var rows = document.querySelectorAll("#" + canvas.dataset.table + " tbody tr");
    var num = function (v) { return v === "" || v === undefined ? null : Number(v); };
    var labels = [], free = [], wait = [], stale = [], occupancy = [];
    rows.forEach(function (r) {
      labels.push(r.dataset.week); free.push(num(r.dataset.free));
      wait.push(num(r.dataset.wait)); stale.push(num(r.dataset.stale)); occupancy.push(num(r.dataset.occupancy));
    });
    new window.Chart(canvas, {
      type: "line",
      data: { labels: labels, datasets: [
        { label: "Vrije plekken", data: free, borderColor: "#1a7f37", yAxisID: "y" },
        { label: "Mediaan aanmelding (weken)", data: wait, borderColor: "#24578f", yAxisID: "y" },
        { label: "Verouderd (%)", data: stale, borderColor: "#b00020", yAxisID: "y2" },
        { label: "Bezetting (%)", data: occupancy, borderColor: "#6a3d9a", borderDash: [6, 3], yAxisID: "y2" }
      ] },
      options: { animation: false, spanGaps: true,
                 scales: { y: { beginAtZero: true }, y2: { beginAtZero: true, max: 100, position: "right" } } }
    });
  });
})();
