// The job page while a plan is computed: asks for the job's state every 2 seconds and
// writes it into the page (a live region, role=status) instead of reloading the page;
// once the plan is made it opens it, a failure is shown as an alert. The opening can be
// switched off (WCAG 3.2.5: a change of context the user did not ask for): a checkbox,
// remembered in this browser; then the page's „Zum Plan“ takes the focus instead. Without script the
// page offers „Aktualisieren“. A failed job loses its progress bar and shows its next step
// (the page's #weiter: start again, or the plan to re-plan); while the job waits and no
// planning service runs, #dienst says so.
(function () {
  "use strict";
  var box = document.getElementById("auftrag");
  var url = box && box.getAttribute("data-stand");
  if (!url) return;
  var state = document.getElementById("stand");
  var bar = document.getElementById("fortschritt");
  var result = document.getElementById("ergebnis");
  var hint = document.getElementById("hinweis");
  var service = document.getElementById("dienst");
  var next = document.getElementById("weiter");
  var INTERVAL_MS = 2000;
  // whether the finished plan opens by itself (the default), as this browser last chose
  var AUTO_KEY = "hausbesuch-plan-oeffnen";
  var auto = true;
  try { auto = localStorage.getItem(AUTO_KEY) !== "nein"; } catch (e) { /* default */ }
  var said = document.createElement("span");
  var choice = null;  // the checkbox's line (gone once the job has ended)
  function sayHow() {
    said.textContent = "Der Stand wird hier laufend angezeigt; wenn der Plan fertig ist, " +
      (auto ? "öffnet er sich. " : "erscheint hier „Zum Plan“. ");
  }
  if (hint) {
    sayHow();
    hint.insertBefore(said, hint.firstChild);
    var label = document.createElement("label");
    label.className = "check";
    var toggle = document.createElement("input");
    toggle.type = "checkbox"; toggle.id = "plan-oeffnen"; toggle.checked = auto;
    toggle.addEventListener("change", function () {
      auto = toggle.checked;
      try { localStorage.setItem(AUTO_KEY, auto ? "ja" : "nein"); } catch (e) { /* kept */ }
      sayHow();
    });
    label.appendChild(toggle);
    label.appendChild(document.createTextNode("Fertigen Plan von selbst öffnen"));
    choice = document.createElement("p");
    choice.appendChild(label);
    hint.parentNode.insertBefore(choice, hint.nextSibling);
  }
  var last = state ? state.textContent : "";

  function say(label, stage) {
    var text = "Stand: " + label + (stage ? " · " + stage : "");
    if (text === last) return;  // unchanged: nothing new to announce
    last = text;
    state.textContent = "";
    var strong = document.createElement("strong");
    strong.textContent = "Stand: " + label;
    state.appendChild(strong);
    if (stage) state.appendChild(document.createTextNode(" · " + stage));
  }
  function finish(data) {
    box.setAttribute("data-status", data.status);
    if (hint && hint.parentNode) hint.parentNode.removeChild(hint);
    if (choice && choice.parentNode) choice.parentNode.removeChild(choice);
    if (service) service.hidden = true;
    if (data.status === "fehlgeschlagen") {
      if (bar && bar.parentNode) bar.parentNode.removeChild(bar);
      bar = null;
      if (next) next.hidden = false;
    }
    if (data.error) {
      var err = document.createElement("p");
      err.className = "error"; err.setAttribute("role", "alert");
      err.textContent = data.error;
      result.appendChild(err);
    }
    if (data.plan_id) {
      var p = document.createElement("p");
      var a = document.createElement("a");
      a.className = "btn primary"; a.href = "/plaene/" + encodeURIComponent(data.plan_id);
      a.textContent = "Zum Plan";
      p.appendChild(a); result.appendChild(p);
      if (!data.error && auto) { location.assign(a.href); return; }
      a.focus();
    }
  }
  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store",
                 headers: { "Accept": "application/json" } })
      .then(function (resp) {
        // the session ended (sent to the login page): the page itself says so
        if (resp.redirected) { location.reload(); throw new Error("login"); }
        if (resp.status >= 400 && resp.status < 500) {
          // the job is gone or not this account's to see: asking again will not change it
          var err = document.createElement("p");
          err.className = "error"; err.setAttribute("role", "alert");
          err.textContent = resp.status === 404 ? "Diesen Auftrag gibt es nicht mehr."
            : "Der Stand dieses Auftrags kann nicht abgefragt werden (" + resp.status + ").";
          result.appendChild(err);
          throw new Error("stop");
        }
        if (!resp.ok) throw new Error("status " + resp.status);
        return resp.json();
      })
      .then(function (data) {
        say(data.status_label, data.stage);
        if (bar) { bar.value = data.progress; bar.textContent = data.percent + " %"; }
        if (service && service.textContent !== (data.hinweis || "")) {
          service.textContent = data.hinweis || "";
        }
        if (service) service.hidden = !data.hinweis;
        if (data.active) { setTimeout(poll, INTERVAL_MS); return; }
        finish(data);
      })
      .catch(function (e) {
        if (e && (e.message === "stop" || e.message === "login")) return;
        setTimeout(poll, INTERVAL_MS * 2);  // no answer: try again
      });
  }
  setTimeout(poll, INTERVAL_MS);
})();
