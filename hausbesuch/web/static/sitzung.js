// Warning before a session ends by its idle limit (WCAG 2.2.1 Timing Adjustable): two
// minutes before the end a dialog says when it ends and offers „Angemeldet bleiben“
// (one click keeps the session and what is typed on the page). A form typed for a long
// time sends nothing, so the server counts it as idle. The page asks the server how much
// time is left (/sitzung/stand: asking does not extend it), so a session kept alive in
// another tab is not warned about here. Once the session has ended, the dialog says so
// and leads to the login.
(function () {
  "use strict";
  var idle = parseInt(document.body.getAttribute("data-leerlauf") || "0", 10);
  if (!idle) return;
  var WARN_S = 120;  // warn this many seconds before the end
  var token = document.querySelector('form.logout input[name="csrf_token"]');
  var timer = null;
  var dialog = null;
  var dismissed = false;  // closed without staying (Escape): not shown again until the end
  var ended = false;

  function schedule(seconds) {
    clearTimeout(timer);
    timer = setTimeout(check, Math.max(seconds, 3) * 1000);
  }
  function clockTime(secondsFromNow) {
    return new Date(Date.now() + secondsFromNow * 1000).toLocaleTimeString(
      "de-DE", { hour: "2-digit", minute: "2-digit" });
  }
  function build() {
    dialog = document.createElement("dialog");
    dialog.id = "sitzung-dialog";
    dialog.className = "sitzung";
    dialog.setAttribute("aria-labelledby", "sitzung-titel");
    dialog.setAttribute("aria-describedby", "sitzung-text");
    var h = document.createElement("h2"); h.id = "sitzung-titel";
    var p = document.createElement("p"); p.id = "sitzung-text";
    var actions = document.createElement("p"); actions.id = "sitzung-aktion";
    dialog.appendChild(h); dialog.appendChild(p); dialog.appendChild(actions);
    dialog.addEventListener("cancel", function () {  // Escape
      if (!ended) dismissed = true;
    });
    document.body.appendChild(dialog);
  }
  function fill(title, text, control) {
    if (!dialog) build();
    document.getElementById("sitzung-titel").textContent = title;
    document.getElementById("sitzung-text").textContent = text;
    var actions = document.getElementById("sitzung-aktion");
    actions.textContent = "";
    actions.appendChild(control);
    if (!dialog.open) dialog.showModal();
    control.focus();
  }
  function button(label, onclick) {
    var b = document.createElement("button");
    b.type = "button"; b.className = "primary"; b.textContent = label;
    b.addEventListener("click", onclick);
    return b;
  }
  function hide() {
    dismissed = false;
    shown = "";
    if (dialog && dialog.open) dialog.close();
  }
  var shown = "";  // the kind of warning on view ("" none): a new look does not rebuild it
  function showWarning(state) {
    if (dismissed) return;
    var at = clockTime(state.rest);
    var kind = state.verlaengerbar ? "bleiben" : "ende";
    var text = state.verlaengerbar
      ? "Ohne Aktion endet die Sitzung um " + at + " Uhr; was auf dieser Seite noch " +
        "nicht gespeichert ist, geht dann verloren."
      : "Die Sitzung erreicht um " + at + " Uhr ihre Höchstdauer und endet dann; sie " +
        "kann nicht verlängert werden. Bitte bis dahin speichern und neu anmelden.";
    if (dialog && dialog.open && kind === shown) {
      // the same warning: its time may be a minute off, the button and focus stay
      var p = document.getElementById("sitzung-text");
      if (p.textContent !== text) p.textContent = text;
      return;
    }
    shown = kind;
    fill("Die Sitzung endet bald", text, state.verlaengerbar
      ? button("Angemeldet bleiben", stay)
      : button("Verstanden", function () { dismissed = true; dialog.close(); }));
  }
  function showEnded() {
    ended = true;
    clearTimeout(timer);
    var a = document.createElement("a");
    a.className = "btn primary";
    a.href = "/anmelden?abgelaufen=1&weiter=" +
      encodeURIComponent(location.pathname + location.search);
    a.textContent = "Neu anmelden";
    if (dialog && dialog.open) dialog.close();
    fill("Die Sitzung ist beendet",
         "Die Sitzung ist abgelaufen oder wurde beendet; was auf dieser Seite noch nicht " +
         "gespeichert war, wurde nicht übernommen.", a);
  }
  function answer(resp) {
    // a redirect leads to the login page: the session has ended
    if (resp.redirected) return { rest: 0, verlaengerbar: false };
    // refused (logged out in another tab: no session, no token): ask how things stand
    if (resp.status >= 400 && resp.status < 500) throw new Error("refused");
    if (!resp.ok) throw new Error("status " + resp.status);
    return resp.json();
  }
  function apply(state) {
    if (state.rest <= 0) { showEnded(); return; }
    if (state.rest > WARN_S + 10) { hide(); schedule(state.rest - WARN_S); return; }
    showWarning(state);
    schedule(Math.min(20, state.rest));  // look again: another tab may have stayed
  }
  function check() {
    if (ended) return;
    fetch("/sitzung/stand", { credentials: "same-origin", cache: "no-store",
                              headers: { "Accept": "application/json" } })
      .then(answer).then(apply)
      .catch(function () { schedule(30); });  // no answer: ask again later
  }
  function stay() {
    fetch("/sitzung/verlaengern", {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Accept": "application/json", "X-CSRF-Token": token ? token.value : "" }
    }).then(answer).then(function (state) {
      if (state.rest > 0) hide();
      apply(state);
    }).catch(function (e) {
      if (e && e.message === "refused") { check(); return; }  // ended elsewhere: say so
      document.getElementById("sitzung-text").textContent =
        "Der Server hat nicht geantwortet; die Sitzung ist vielleicht nicht verlängert. " +
        "Bitte noch einmal versuchen.";
    });
  }
  document.addEventListener("visibilitychange", function () {
    // a laptop that slept: its timers ran late
    if (document.visibilityState === "visible" && !ended) check();
  });
  schedule(idle - WARN_S - 30);
})();
