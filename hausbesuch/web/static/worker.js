// The field worker's page: outcomes are kept on the phone first, then sent, each exactly once.
(function () {
  "use strict";
  var body = document.body;
  var csrf = body.getAttribute("data-csrf");
  var queueKey = "hausbesuch-warteschlange:" + location.pathname;
  var endpoint = new URL("ergebnis", location.href).toString();
  var sending = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(queueKey) || "[]"); } catch (e) { return []; }
  }
  function save(q) { localStorage.setItem(queueKey, JSON.stringify(q)); }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function localStamp(d) {
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" +
      pad(d.getHours()) + ":" + pad(d.getMinutes());
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return pad(b.toString(16)); }).join("");
  }
  function stopEl(kunde) { return document.getElementById("stopp-" + kunde); }
  function show(kunde, text, cls) {
    var li = stopEl(kunde); if (!li) return;
    li.classList.remove("done", "pending"); if (cls) li.classList.add(cls);
    var st = li.querySelector("[data-state]"); if (st) st.textContent = text;
  }
  function status() {
    var n = load().filter(function (x) { return !x.blocked; }).length;
    var el = document.getElementById("warteschlange");
    if (el) el.textContent = n ? n + " Ergebnis(se) warten auf Netz." : "";
    var banner = document.getElementById("netz");
    if (banner) banner.classList.toggle("show", !navigator.onLine);
  }

  function flush() {
    if (sending) return;
    var q = load().filter(function (x) { return !x.blocked; });
    if (!q.length) { status(); return; }
    sending = true;
    var item = q[0];
    var form = new URLSearchParams();
    Object.keys(item.fields).forEach(function (k) { form.append(k, item.fields[k]); });
    fetch(endpoint, {
      method: "POST", body: form, credentials: "omit",
      headers: { "X-CSRF-Token": csrf, "Accept": "application/json" }
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        var rest = load().filter(function (x) { return x.fields.schluessel !== item.fields.schluessel; });
        if (resp.status === 410 || resp.status === 404) {
          // link expired or revoked, or the visit moved: keep the outcome on the phone
          save(load().map(function (x) {
            if (x.fields.schluessel === item.fields.schluessel) x.blocked = true;
            return x;
          }));
          show(item.fields.kundennummer, "Nicht gesendet: " + (data.fehler || "Link ungültig") +
            " Das Ergebnis bleibt auf diesem Telefon; bitte der Koordination melden.", "pending");
          sending = false; status(); flush();
          return;
        }
        if (resp.ok) {
          save(rest);
          show(item.fields.kundennummer, "Übermittelt: " + item.label +
            " (" + item.fields.zeit.slice(11) + " Uhr)", "done");
        } else if (resp.status >= 400 && resp.status < 500 && resp.status !== 408 && resp.status !== 429) {
          save(rest);  // refused for good (e.g. link expired): do not retry forever
          show(item.fields.kundennummer, "Nicht angenommen: " + (data.fehler || resp.status), "");
        } else {
          throw new Error("server " + resp.status);
        }
        sending = false; status(); flush();
      });
    }).catch(function () { sending = false; status(); });
  }

  // before the team-day the server refuses outcomes: say so before anything is queued
  var day = body.getAttribute("data-day") || "";
  function early() { return localStamp(new Date()).slice(0, 10) < day; }
  var vorab = document.getElementById("vorab");
  if (vorab) vorab.hidden = !early();

  document.querySelectorAll("form.outcome-form").forEach(function (f) {
    f.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = ev.submitter;
      if (!button) return;
      var result = button.value;
      if (early()) {
        show(f.kundennummer.value, "Noch nicht gespeichert: Ergebnisse können ab dem " +
          "Besuchstag erfasst werden.", "");
        return;
      }
      if (result === "termin_vereinbart" && (!f.termin_datum.value || !f.termin_zeit.value)) {
        show(f.kundennummer.value, "Bitte Datum und Uhrzeit des Termins angeben.", "");
        f.termin_datum.focus();
        return;
      }
      var fields = {
        kundennummer: f.kundennummer.value, ergebnis: result, zeit: localStamp(new Date()),
        notiz: f.notiz.value, termin_datum: f.termin_datum.value, termin_zeit: f.termin_zeit.value,
        schluessel: newKey(), csrf_token: csrf
      };
      var label = button.textContent.trim();
      var q = load(); q.push({ fields: fields, label: label }); save(q);
      show(fields.kundennummer, "Gespeichert: " + label + " (" + fields.zeit.slice(11) +
        " Uhr), wird gesendet …", "pending");
      f.notiz.value = "";
      flush();
    });
  });

  load().forEach(function (item) {
    show(item.fields.kundennummer, "Gespeichert: " + item.label +
      ", wartet auf Netz", "pending");
  });
  window.addEventListener("online", function () { status(); flush(); });
  window.addEventListener("offline", status);
  setInterval(flush, 10000);
  status();
  flush();

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("sw.js").catch(function () { /* page works without */ });
  }
})();
