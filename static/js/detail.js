// Offering detail page: Leaflet map and the 12-week chart. The page works without this script:
// the map falls back to coordinates text and the chart to the table below it.
(function () {
  "use strict";
  var mapEl = document.getElementById("map");
  if (mapEl && window.L) {
    var lat = parseFloat(mapEl.dataset.lat), lon = parseFloat(mapEl.dataset.lon);
    var fallback = mapEl.querySelector(".map__fallback");
    if (fallback) { fallback.remove(); }
    var map = window.L.map(mapEl, { scrollWheelZoom: false }).setView([lat, lon], 13);
    if (mapEl.dataset.tiles) {
      window.L.tileLayer(mapEl.dataset.tiles, { maxZoom: 18, attribution: mapEl.dataset.attribution || "" }).addTo(map);
    }
    // Text, never HTML: a string popup would be parsed as HTML by Leaflet, so the name goes in as a text node.
    var popup = document.createElement("span");
    popup.textContent = mapEl.dataset.label || "";
    window.L.marker([lat, lon], { alt: mapEl.dataset.label || "Locatie" }).addTo(map).bindPopup(popup);
  }
  var canvas = document.getElementById("capacity-chart");
  var rows = document.querySelectorAll("#capacity-table tbody tr[data-date]");
  if (canvas && window.Chart && rows.length) {
    var num = function (v) { return v === "" ? null : Number(v); };
    var labels = [], free = [], intake = [], treatment = [];
    rows.forEach(function (r) {
      labels.push(r.dataset.date); free.push(num(r.dataset.free));
      intake.push(num(r.dataset.intake)); treatment.push(num(r.dataset.treatment));
    });
    new window.Chart(canvas, {
      type: "line",
      data: { labels: labels, datasets: [
        { label: "Vrije plekken", data: free, borderColor: "#1a7f37", stepped: true },
        { label: "Aanmeldingswachttijd (weken)", data: intake, borderColor: "#24578f" },
        { label: "Behandelingswachttijd (weken)", data: treatment, borderColor: "#8a5a00" }
      ] },
      options: { animation: false, responsive: true, scales: { y: { beginAtZero: true } } }
    });
  } else if (canvas) {
    canvas.hidden = true;
  }
})();
