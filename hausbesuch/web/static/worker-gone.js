// The page of a worker link the server no longer knows (revoked, expired, unknown: 404/410),
// opened again on the phone. Outcomes recorded on the phone but never sent stay in its
// storage (worker.js keeps them per link): they are listed here with their Kundennummer,
// outcome and time ("mit Notiz": the note itself is never shown, a lost phone must not show
// it), so that the worker can report them to the office, and then deleted from the phone.
(function () {
  "use strict";
  var queueKey = "hausbesuch-warteschlange:" + location.pathname;
  var box = document.getElementById("nicht-gesendet");
  if (!box) return;
  // what was sent from this phone is of no use any more: gone with the link
  localStorage.removeItem("hausbesuch-gesendet:" + location.pathname);
  // drafts typed and never tapped (worker.js, QA 28 F5): gone at once, their stops named
  // (the link may have ended while its page was closed: nothing said so before)
  var drafts;
  try {
    drafts = JSON.parse(localStorage.getItem("hausbesuch-entwurf:" + location.pathname) || "{}");
  } catch (e) { drafts = {}; }
  localStorage.removeItem("hausbesuch-entwurf:" + location.pathname);
  localStorage.removeItem("hausbesuch-entwurf-bis:" + location.pathname);
  var lost = hausbesuchUnsent.draftsNamed(drafts);
  if (lost.length) box.parentNode.insertBefore(hausbesuchUnsent.draftsGone(lost, false), box);
  function load() {
    try { return JSON.parse(localStorage.getItem(queueKey) || "[]"); } catch (e) { return []; }
  }
  function show() {
    var p = hausbesuchUnsent.render(box, load());
    if (!p) return;
    p.className = "error";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "danger";
    button.textContent = "Gemeldet: von diesem Telefon löschen";
    button.addEventListener("click", function () {
      if (!window.confirm("Die nicht gesendeten Ergebnisse von diesem Telefon löschen? " +
                          "Erst, wenn sie der Koordination gemeldet sind.")) return;
      localStorage.removeItem(queueKey);
      show();
      var done = document.createElement("p");
      done.setAttribute("role", "status");
      done.textContent = "Gelöscht.";
      box.appendChild(done);
    });
    box.appendChild(button);
  }
  show();
})();
