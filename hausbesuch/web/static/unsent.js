// The outcomes recorded on a phone but not sent, listed once the route is off the page: by
// worker.js when the link has ended or is gone, and on the server's page of a link that is
// gone (worker-gone.js). Each with its Kundennummer, outcome and time; a note is only
// mentioned („mit Notiz“), never shown: a lost phone must not show it.
var hausbesuchUnsent = (function () {
  "use strict";
  // an ISO day (the date picker's) as German; a day typed on a phone without a picker
  // (31.12.2026, sent as typed when the phone cannot read it) stays as typed
  function dayDe(iso) {
    iso = String(iso);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso;
    return iso.slice(8, 10) + "." + iso.slice(5, 7) + "." + iso.slice(0, 4);
  }
  // the outcomes ``q`` (worker.js's queue items) into ``box``; the intro paragraph, or null
  // when there is none to list
  function render(box, q) {
    box.textContent = "";
    if (!Array.isArray(q) || !q.length) return null;
    var p = document.createElement("p");
    p.textContent = (q.length === 1 ? "1 Ergebnis wurde nicht gesendet und bleibt"
      : q.length + " Ergebnisse wurden nicht gesendet und bleiben") +
      " auf diesem Telefon; bitte der Koordination melden:";
    box.appendChild(p);
    var list = document.createElement("ul");
    q.forEach(function (item) {
      var f = (item && item.fields) || {};
      var zeit = String(f.zeit || "");
      var li = document.createElement("li");
      li.textContent = String(f.kundennummer || "?") + ": " + String(item.label || "") +
        (zeit ? " (" + dayDe(zeit.slice(0, 10)) + " " + zeit.slice(11) + " Uhr)" : "") +
        (f.termin_datum ? ", Termin " + dayDe(String(f.termin_datum)) + " " +
          String(f.termin_zeit || "") : "") +
        (f.notiz ? ", mit Notiz" : "") +
        (item.refused ? ", nicht angenommen: " + item.refused : "");
      list.appendChild(li);
    });
    box.appendChild(list);
    return p;
  }
  return { dayDe: dayDe, render: render };
})();
