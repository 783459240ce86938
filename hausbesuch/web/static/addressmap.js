// Address fixes: show a client's point on the map; click or drag to move it into the form.
(function () {
  "use strict";
  var CITY_ZOOM = 13;
  var el = document.getElementById("adresskarte");
  if (!el || !window.L) return;
  // no zoom and fade animations for those who asked for reduced motion
  var still = window.matchMedia && matchMedia("(prefers-reduced-motion: reduce)").matches;
  var map = L.map(el, { zoomAnimation: !still, fadeAnimation: !still,
                        markerZoomAnimation: !still });
  L.tileLayer(el.getAttribute("data-tiles"), {
    maxZoom: 19, attribution: el.getAttribute("data-attribution")
  }).addTo(map);
  window.hausbesuchGermanControls(map);
  var center = (el.getAttribute("data-center") || "").split(",").map(parseFloat);
  var forms = Array.prototype.slice.call(document.querySelectorAll("form.fix-form"));
  // opens over all listed points at most at the city's zoom, never close around one
  // client's home (the tile server sees the area viewed); "Auf der Karte" zooms in
  var points = forms.map(point).filter(Boolean);
  if (points.length) {
    map.fitBounds(L.latLngBounds(points), { maxZoom: CITY_ZOOM, padding: [20, 20] });
  } else {
    map.setView(center.length === 2 && !isNaN(center[0]) ? center : [51, 10], CITY_ZOOM);
  }
  var marker = null, active = null;

  function point(f) {
    var lat = parseFloat(f.breite.value), lon = parseFloat(f.laenge.value);
    return isNaN(lat) || isNaN(lon) ? null : [lat, lon];
  }
  function put(latlng) {
    if (!active) return;
    active.breite.value = latlng.lat.toFixed(6);
    active.laenge.value = latlng.lng.toFixed(6);
  }
  function activate(f) {
    forms.forEach(function (x) { x.closest("tr").classList.remove("aktiv"); });
    active = f;
    f.closest("tr").classList.add("aktiv");
    var p = point(f) || [map.getCenter().lat, map.getCenter().lng];
    // named for screen readers with the case id (Leaflet's own alt text is „Marker“)
    var label = "Punkt der Adresse von " + f.closest("tr").id.replace(/^adresse-/, "");
    if (!marker) {
      marker = L.marker(p, { draggable: true, title: label, alt: label }).addTo(map);
      marker.on("dragend", function () { put(marker.getLatLng()); });
    } else {
      marker.setLatLng(p);
      marker.getElement().setAttribute("title", label);
      marker.getElement().setAttribute("alt", label);
    }
    if (!point(f)) put(marker.getLatLng());
    map.setView(p, Math.max(map.getZoom(), 16));
    el.scrollIntoView({ behavior: still ? "auto" : "smooth", block: "center" });
  }
  forms.forEach(function (f) {
    f.querySelector(".show-on-map").addEventListener("click", function () { activate(f); });
  });
  map.on("click", function (ev) {
    if (!active) return;
    marker.setLatLng(ev.latlng);
    put(ev.latlng);
  });
})();
