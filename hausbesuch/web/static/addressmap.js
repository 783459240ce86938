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
  var marker = null, active = null, picks = null;
  var hint = document.getElementById("karten-hinweis");

  function point(f) {
    var lat = parseFloat(f.breite.value), lon = parseFloat(f.laenge.value);
    return isNaN(lat) || isNaN(lon) ? null : [lat, lon];
  }
  function put(latlng) {
    if (!active) return;
    active.breite.value = latlng.lat.toFixed(6);
    active.laenge.value = latlng.lng.toFixed(6);
  }
  // a number as the page says it: the digits the form's field holds (put), with a decimal
  // comma (the field keeps its point: it is sent as it is)
  function german(x) { return x.toFixed(6).replace(".", ","); }
  // a point set by a click into the map or by dragging the marker: the status line says
  // so (QA 26 F7: it kept saying „noch kein Punkt“ while the fields were filled), in the
  // words of the confirmation after „Speichern“ (QA 33c L7: „50,8731 / 9,7344“ there,
  // „Breite 50.873143, Länge 9.734402“ after saving)
  function setByHand(latlng) {
    if (!active) return;
    place(latlng);
    put(latlng);
    say(idOf(active) + ": Punkt gesetzt (Breite " + german(latlng.lat) + ", Länge " +
        german(latlng.lng) + "). „Speichern“ übernimmt ihn.");
  }
  function idOf(f) { return f.closest("tr").id.replace(/^adresse-/, ""); }
  function say(text) { if (hint) hint.textContent = text; }
  // the places the map data hold an ambiguous address at ([lat, lon] each), or none
  function candidates(f) {
    try {
      var list = JSON.parse(f.getAttribute("data-candidates") || "[]");
      return Array.isArray(list) ? list.filter(function (c) {
        return Array.isArray(c) && c.length === 2 && !isNaN(c[0]) && !isNaN(c[1]);
      }) : [];
    } catch (e) { return []; }
  }
  // the one marker of the active row, at p; made on the first point the row gets
  function place(p) {
    // named for screen readers with the case id (Leaflet's own alt text is „Marker“)
    var label = "Punkt der Adresse von " + idOf(active);
    if (!marker) {
      marker = L.marker(p, { draggable: true, title: label, alt: label }).addTo(map);
      marker.on("dragend", function () { setByHand(marker.getLatLng()); });
    } else {
      marker.setLatLng(p);
      if (!map.hasLayer(marker)) marker.addTo(map);
    }
    marker.getElement().setAttribute("title", label);
    marker.getElement().setAttribute("alt", label);
  }
  function clearPicks() {
    if (picks) { map.removeLayer(picks); picks = null; }
  }
  function activate(f) {
    forms.forEach(function (x) { x.closest("tr").classList.remove("aktiv"); });
    active = f;
    f.closest("tr").classList.add("aktiv");
    clearPicks();
    var p = point(f);
    if (p) {
      place(p);
      map.setView(p, Math.max(map.getZoom(), 16));
      say(idOf(f) + ": die Markierung zeigt den Punkt. Ein Klick in die Karte oder Ziehen " +
          "der Markierung setzt ihn neu, „Speichern“ übernimmt ihn.");
    } else {
      // no point yet: Breite and Länge stay empty until the coordinator clicks (the map's
      // centre is some other place, perhaps another client's home: QA 22 F1)
      if (marker) map.removeLayer(marker);
      var cands = candidates(f);
      if (cands.length) {
        picks = L.layerGroup().addTo(map);
        cands.forEach(function (c, i) {
          var name = "Möglicher Ort " + (i + 1) + " von " + cands.length;
          var m = L.circleMarker(c, { radius: 10, weight: 3, color: "#b35c00",
                                      fillOpacity: 0.4 }).addTo(picks);
          m.bindTooltip(name, { permanent: true, direction: "top" });
          m.on("click", function (ev) {
            L.DomEvent.stop(ev);
            place(ev.target.getLatLng());
            put(ev.target.getLatLng());
            say(idOf(f) + ": " + name + " übernommen. „Speichern“ speichert ihn.");
          });
        });
        map.fitBounds(L.latLngBounds(cands), { maxZoom: 17, padding: [40, 40] });
        say(idOf(f) + ": die Adresse steht in den Kartendaten an " + cands.length +
            " Orten. Bitte den richtigen Ort anklicken oder auf der Karte den Hauseingang " +
            "anklicken.");
      } else {
        say(idOf(f) + ": noch kein Punkt. Bitte auf der Karte den Hauseingang anklicken.");
      }
    }
    el.scrollIntoView({ behavior: still ? "auto" : "smooth", block: "center" });
  }
  forms.forEach(function (f) {
    f.querySelector(".show-on-map").addEventListener("click", function () { activate(f); });
  });
  map.on("click", function (ev) { setByHand(ev.latlng); });
})();
