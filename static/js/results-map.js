// Map of the results on this page: numbered markers matching the list, on the outline of their
// jeugdregio's (so the markers still make sense when no map tiles load). The list stays primary; every
// text goes in as a text node (never HTML), so names from providers cannot inject markup.
(function () {
  "use strict";
  var el = document.getElementById("results-map");
  var dataEl = document.getElementById("results-map-data");
  if (!el || !dataEl || !window.L) { return; }
  var data = JSON.parse(dataEl.textContent);
  var fallback = el.querySelector(".map__fallback");
  if (fallback) { fallback.remove(); }
  var L = window.L;
  var map = L.map(el, { scrollWheelZoom: false });
  if (el.dataset.tiles) {
    L.tileLayer(el.dataset.tiles, { maxZoom: 18, attribution: el.dataset.attribution || "" }).addTo(map);
  }
  var bounds = [];
  if (data.regions && data.regions.features.length) {
    var outline = L.geoJSON(data.regions, { style: { color: "#24578f", weight: 2, fillOpacity: 0.04 }, interactive: false }).addTo(map);
    bounds.push(outline.getBounds());
  }
  data.markers.forEach(function (m) {
    var icon = document.createElement("span");
    icon.className = "map-marker__number";
    icon.textContent = String(m.n);
    var marker = L.marker([m.lat, m.lon], {
      icon: L.divIcon({ html: icon, className: "map-marker", iconSize: [28, 28], iconAnchor: [14, 14] }),
      title: m.n + ". " + m.title, alt: m.n + ". " + m.title, keyboard: true
    }).addTo(map);
    var popup = document.createElement("div");
    var link = document.createElement("a");
    link.href = m.url;
    link.textContent = m.n + ". " + m.title;
    var place = document.createElement("div");
    place.textContent = m.place;
    popup.appendChild(link);
    popup.appendChild(place);
    marker.bindPopup(popup);
    bounds.push(L.latLngBounds([[m.lat, m.lon], [m.lat, m.lon]]));
  });
  if (bounds.length) {
    var all = bounds[0];
    bounds.slice(1).forEach(function (b) { all.extend(b); });
    map.fitBounds(all, { padding: [20, 20], maxZoom: 13 });
  } else {
    map.setView([52.1, 5.3], 7);
  }
})();
