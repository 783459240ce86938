// Leaflet's controls in German (a German voice read „Zoom in“ with German sounds), for
// the web app's maps (plan view, addresses): call once all controls are added.
window.hausbesuchGermanControls = function (map) {
  "use strict";
  [["leaflet-control-zoom-in", "Vergrößern"], ["leaflet-control-zoom-out", "Verkleinern"],
   ["leaflet-control-layers-toggle", "Ebenen"]].forEach(function (pair) {
    Array.prototype.forEach.call(map.getContainer().querySelectorAll("." + pair[0]),
      function (a) { a.title = pair[1]; a.setAttribute("aria-label", pair[1]); });
  });
};
