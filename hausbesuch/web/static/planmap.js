// Overview map of a plan: one colour per team, routes along the streets, numbered stops,
// unassigned in grey.
(function () {
  "use strict";
  // the map opens over all points at most at this zoom: a tile of zoom 14 is about 1.5 km
  // wide here, a part of the town with thousands of households; at 15-19 the tiles show a
  // few streets or one block, and the tile server would learn (with the office's address
  // and the time) which blocks a team-day visits. Zooming in further is the user's choice.
  var AREA_ZOOM = 14;
  var el = document.getElementById("karte");
  var dataEl = document.getElementById("plandaten");
  if (!el || !dataEl || !window.L) return;
  var data = JSON.parse(dataEl.textContent);
  // no zoom and fade animations for those who asked for reduced motion
  var still = window.matchMedia && matchMedia("(prefers-reduced-motion: reduce)").matches;
  var map = L.map(el, { zoomAnimation: !still, fadeAnimation: !still,
                        markerZoomAnimation: !still });
  // markers and lines are no Tab stops (a tooltip makes Chromium focus an SVG path): a
  // keyboard user got 30+ of them, 200+ in a week, before the table; the table of
  // team-days holds every stop in order
  map.on("layeradd", function (e) {
    var layer = e.layer;
    if (!(layer instanceof L.Path) && !(layer instanceof L.Marker)) return;
    var item = layer.getElement && layer.getElement();
    if (item) item.setAttribute("tabindex", "-1");
  });
  L.tileLayer(el.getAttribute("data-tiles"), {
    maxZoom: 19, attribution: el.getAttribute("data-attribution")
  }).addTo(map);
  var bounds = [];
  var layers = {};
  // text for the layer list, which Leaflet sets as HTML
  function html(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }
  // the team's swatch with its letter, as in the key below the map (QA 45a F6)
  function swatch(colour, letter) {
    return '<svg width="16" height="16" aria-hidden="true" focusable="false">' +
      '<rect width="16" height="16" rx="8" fill="' +
      html(colour) + '"/><text x="8" y="12" text-anchor="middle" font-size="10" ' +
      'font-weight="700" fill="#fff">' + html(letter) + "</text></svg> ";
  }
  data.routes.forEach(function (r) {
    var name = r.team + " · " + (r.day_label || r.day);
    var group = L.layerGroup();
    // the path along the streets (start, stops, end); straight between stops without it
    var line = r.path && r.path.length > 1 ? r.path
      : r.stops.map(function (s) { return [s[0], s[1]]; });
    if (line.length > 1) L.polyline(line, { color: r.colour, weight: 3, opacity: .7 }).addTo(group);
    r.stops.forEach(function (s) {
      // s = [lat, lon, number, case id, off]; a stop off: hollow, grey (called off: no
      // number; its case closed since the plan: it keeps its number, as in the files)
      var m = s[4]
        ? L.circleMarker([s[0], s[1]], { radius: 6, color: "#9aa0a6", dashArray: "2 3",
                                          fillColor: "#fff", fillOpacity: .9 })
        : L.circleMarker([s[0], s[1]], { radius: 8, color: r.colour, fillOpacity: .9 });
      m.bindTooltip(document.createTextNode(
        (!s[4] ? s[2] + ". " + s[3] : s[2] === null ? s[3] + " entfällt"
                                                    : "entfällt: " + s[2] + ". " + s[3])
        + " (" + name + ")"));
      m.addTo(group);
      // the team's letter in the circle: the teams differ not by colour alone (red and
      // blue are alike in grey; WCAG 1.4.1, QA 45a F6); a drawing (the table says it)
      if (!s[4]) {
        L.marker([s[0], s[1]], { interactive: false, keyboard: false, icon: L.divIcon({
          className: "teambuchstabe", html: html(r.letter || ""), iconSize: [16, 16] })
        }).addTo(group);
      }
      bounds.push([s[0], s[1]]);
    });
    group.addTo(map);
    layers[swatch(r.colour, r.letter || "") + html(name)] = group;
  });
  if (data.unassigned.length) {
    var un = L.layerGroup();
    data.unassigned.forEach(function (u) {
      var m = L.circleMarker([u[0], u[1]], { radius: 6, color: "#5f6368", dashArray: "2 3" });
      m.bindTooltip(document.createTextNode(u[2] + " (nicht eingeplant)"));
      m.addTo(un);
      bounds.push([u[0], u[1]]);
    });
    un.addTo(map);
    layers["Nicht eingeplant"] = un;
  }
  L.control.layers(null, layers, { collapsed: true }).addTo(map);
  window.hausbesuchGermanControls(map);
  if (bounds.length) map.fitBounds(bounds, { maxZoom: AREA_ZOOM, padding: [20, 20] }); else map.setView([51, 10], 6);
  // the drawing of lines and circles is no unnamed image for a screen reader: the region
  // is described by the table of team-days, which holds every stop in order
  var drawing = el.querySelector(".leaflet-overlay-pane svg");
  if (drawing) drawing.setAttribute("aria-hidden", "true");
})();
