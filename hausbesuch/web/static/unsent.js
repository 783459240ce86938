// The outcomes recorded on a phone but not sent, listed once the route is off the page: by
// worker.js when the link has ended or is gone, and on the server's page of a link that is
// gone (worker-gone.js). Each with its Kundennummer, outcome and time; a note is only
// mentioned („mit Notiz“), never shown: a lost phone must not show it. Likewise the stops
// whose drafts (typed, never tapped) went with their link.
var hausbesuchUnsent = (function () {
  "use strict";
  // an ISO day (the date picker's) as German; a day typed on a phone without a picker
  // (31.12.2026, sent as typed when the phone cannot read it) stays as typed
  function dayDe(iso) {
    iso = String(iso);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso;
    return iso.slice(8, 10) + "." + iso.slice(5, 7) + "." + iso.slice(0, 4);
  }
  // the weekday of an ISO day („Do“); "" for a day typed otherwise or one not in the
  // calendar (2026-02-31)
  function weekdayDe(iso) {
    iso = String(iso);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(iso)) return "";
    var d = new Date(Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)));
    if (d.getUTCDate() !== +iso.slice(8, 10)) return "";
    return ["So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"][d.getUTCDay()];
  }
  // an ISO day and a clock time as the server writes a moment (fields.format_moment:
  // „Do, 17.12.2026, 10:30 Uhr“), so that an echo made here reads as the server's; a day
  // typed otherwise stays as typed, a part not given is left out
  function momentDe(iso, clock) {
    var c = String(clock || "").trim();
    return [weekdayDe(iso), iso ? dayDe(iso) : "", c ? c + " Uhr" : ""]
      .filter(function (x) { return x; }).join(", ");
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
        (zeit ? " (" + momentDe(zeit.slice(0, 10), zeit.slice(11)) + ")" : "") +
        (f.termin_datum ? ", Termin am " + momentDe(String(f.termin_datum), f.termin_zeit) : "") +
        (f.notiz ? ", mit Notiz" : "") +
        (item.refused ? ", nicht angenommen: " + item.refused : "");
      list.appendChild(li);
    });
    box.appendChild(list);
    return p;
  }
  // the stops of the drafts ``d`` (worker.js: Kundennummer → what was typed into its form
  // and never tapped) as a page names them once they are deleted: the Kundennummer and
  // what was typed, never its text (a lost phone must not show a note)
  function draftsNamed(d) {
    var words = { notiz: "Notiz", zeit: "Uhrzeit", termin_datum: "Termin",
                  termin_zeit: "Termin" };
    d = d && typeof d === "object" ? d : {};
    return Object.keys(d).map(function (kunde) {
      var what = [];
      Object.keys(words).forEach(function (name) {
        if (d[kunde] && d[kunde][name] && what.indexOf(words[name]) < 0) what.push(words[name]);
      });
      return kunde + (what.length ? " (" + what.join(", ") + ")" : "");
    });
  }
  // the paragraph that names the stops ``lost`` (draftsNamed's) whose drafts were deleted
  // with their link (README, Privacy: no draft outlives its link; QA 45a F7); ``earlier``:
  // of another link that had ended (deleted when this one's page opened)
  function draftsGone(lost, earlier) {
    var p = document.createElement("p");
    p.id = earlier ? "entwuerfe-frueher-geloescht" : "entwuerfe-geloescht";
    p.textContent = (earlier ? "Unter einem abgelaufenen Link eingetippt" : "Eingetippt") +
      ", aber nicht erfasst (vom Telefon gelöscht): " + lost.join(", ") +
      ". Bitte der Koordination melden.";
    return p;
  }
  return { dayDe: dayDe, weekdayDe: weekdayDe, momentDe: momentDe, render: render,
           draftsNamed: draftsNamed, draftsGone: draftsGone };
})();
