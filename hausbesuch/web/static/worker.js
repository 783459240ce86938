// The field worker's page: outcomes are kept on the phone first, then sent, each exactly once.
// The day's route stays on the phone (service worker, sw.js) only while the link is valid:
// after the link's end, or once the server says the link is gone (404/410), the stored copy
// is deleted, the service worker unregistered and the stops are taken off the page. While
// the page is open, online and in view it asks the server about the link every minute
// (LINK_CHECK_MS), so a revoked link (a lost phone) is noticed without any action on the
// phone. Outcomes not sent yet stay on the phone and are listed with their Kundennummer.
// The same check learns whether the team-day's stops changed (a re-plan): see tourChanged.
(function () {
  "use strict";
  var body = document.body;
  var csrf = body.getAttribute("data-csrf");
  var queueKey = "hausbesuch-warteschlange:" + location.pathname;
  var endpoint = new URL("ergebnis", location.href).toString();
  var scope = new URL(".", location.href).toString();  // the service worker's scope
  var validUntil = Number(body.getAttribute("data-valid-until")) || 0;  // ms since 1970
  var CACHE_PREFIX = "hausbesuch-";
  // what to do next is part of both notices (QA 28 F14)
  var NEW_LINK = " Bitte bei der Koordination einen neuen Link anfordern.";
  var EXPIRED_TEXT = "Dieser Link ist abgelaufen. Die Daten wurden von diesem Telefon " +
    "gelöscht." + NEW_LINK;
  var GONE_TEXT = "Dieser Link gilt nicht mehr. Die Route wurde von diesem Telefon gelöscht " +
    "und ist ohne Netz nicht mehr abrufbar." + NEW_LINK;
  // a re-plan left the link's team-day without visits (the server's 410 with the header
  // X-Tagesplan-Leer): no new link can help (QA 38 F4)
  var EMPTY_TEXT = "Für dieses Team sind an diesem Tag keine Besuche mehr geplant " +
    "(Neuplanung). Die Route wurde von diesem Telefon gelöscht. Bitte bei der Koordination " +
    "nachfragen.";
  // the phone's clock may be wrong (set by hand, a zone after travel): with signal the
  // server decides whether the link has ended (404/410); without, the phone's clock, once
  // it is this far past the link's end (QA 28 F14; the server's LINK_END_MARGIN_MS)
  var END_MARGIN_MS = Number(body.getAttribute("data-spielraum")) || 0;
  // an outcome kept on the phone, not yet on the server („Gespeichert ist …“ says what
  // the server holds; QA 28 F19)
  var QUEUED = "Auf dem Telefon gespeichert (noch nicht gesendet): ";
  var OFFLINE_TEXT = "Kein Netz: Ergebnisse werden auf dem Telefon gespeichert und später gesendet.";
  //: how often an open page in view asks the server whether its link is still valid
  var LINK_CHECK_MS = 60000;
  // minutes before the link's end the page says when it ends (WCAG 2.2.1, QA 45a F7; the
  // coordination's session warns so too, sitzung.js): a link the coordination set to end
  // early in the day ends while the team is out
  var END_WARNING_MS = 15 * 60000;
  var endWarned = false, pastWarned = false;
  var sending = false;
  var sendingKey = null;  // the key of the outcome on its way to the server
  var closed = false;  // the route is off the page (link ended or gone)

  function load() {
    try { return JSON.parse(localStorage.getItem(queueKey) || "[]"); } catch (e) { return []; }
  }
  function save(q) { localStorage.setItem(queueKey, JSON.stringify(q)); }
  // the outcomes sent from this phone (Kundennummer, outcome, time; no note), while the
  // link is valid: the phone's copy of the page (sw.js) is the one of its last load, so
  // opened again without signal it marks them as sent instead of offering their forms
  // again (a colleague might record a visit twice)
  var sentKey = "hausbesuch-gesendet:" + location.pathname;
  function sentList() {
    try { return JSON.parse(localStorage.getItem(sentKey) || "[]"); } catch (e) { return []; }
  }
  // the agreed appointment of an outcome sent, as the line „Übermittelt …“ echoes it
  // (QA 27): the server's reading of it (``termin`` of its answer), else the fields sent;
  // in the words of the page's „Erfasst: …“ line („, Termin am Do, 17.12.2026, 10:30 Uhr“)
  function appointmentEcho(fields, data) {
    if (data && data.termin) return ", Termin am " + data.termin;
    if (!fields.termin_datum || !fields.termin_zeit) return "";
    return ", Termin am " + hausbesuchUnsent.momentDe(fields.termin_datum, fields.termin_zeit);
  }
  function remember(item, data) {
    var list = sentList();
    var entry = { kundennummer: item.fields.kundennummer, label: item.label,
                  zeit: item.fields.zeit, ergebnis: item.fields.ergebnis };
    var termin = appointmentEcho(item.fields, data);
    if (termin) entry.termin = termin;
    // the phone may change it until then (the server's answer: seconds left, the line)
    if (data && data.aendern_s > 0) {
      entry.bis = Date.now() + data.aendern_s * 1000;
      entry.hinweis = data.aendern_hinweis || "";
    }
    // a correction replaces what was sent before for the stop
    list = list.filter(function (x) { return x.kundennummer !== entry.kundennummer; });
    list.push(entry);
    localStorage.setItem(sentKey, JSON.stringify(list.slice(-200)));
  }
  // drafts: what is typed into a stop's form and not yet tapped (note, visit time,
  // appointment), per stop, so that a reload, a tab the phone discarded or a switch to the
  // navigation app loses nothing (QA 28 F5). Only in this phone's storage under the link,
  // never sent nor put into an address; deleted once the stop's outcome is queued, and
  // with the route when the link ends or is gone.
  var draftKey = "hausbesuch-entwurf:" + location.pathname;
  // beside the drafts of a link: the end of the link (ms), so that any link page opened
  // later deletes the drafts of links that have ended, also of one never opened again
  // (review 28b #3: typed notes must not outlive their link on the phone)
  var DRAFT_END = "hausbesuch-entwurf-bis:";
  var DRAFT_FIELDS = ["notiz", "zeit", "termin_datum", "termin_zeit"];
  function drafts() {
    try { return JSON.parse(localStorage.getItem(draftKey) || "{}") || {}; } catch (e) { return {}; }
  }
  function saveDrafts(d) {
    if (Object.keys(d).length) {
      localStorage.setItem(draftKey, JSON.stringify(d));
      if (validUntil > 0) localStorage.setItem(DRAFT_END + location.pathname, String(validUntil));
    } else {
      localStorage.removeItem(draftKey);
      localStorage.removeItem(DRAFT_END + location.pathname);
    }
  }
  // the drafts of every other link whose end has passed (by this phone's clock), with
  // their marks; the stops whose drafts went, named (hausbesuchUnsent.draftsNamed). This
  // link's own drafts go with its route (closeRoute: the server, or without signal the
  // clock with the margin, decides), named there: deleted here they went unsaid, also
  // while the route was still shown
  function dropEndedDrafts() {
    var ended = [], lost = [];
    for (var i = 0; i < localStorage.length; i++) {
      var k = localStorage.key(i);
      // (past its end by the margin this page's own copy gets, as by the phone's clock
      // alone a link still valid would lose them: QA 46c F2)
      if (k && k.indexOf(DRAFT_END) === 0 && k !== DRAFT_END + location.pathname &&
          Number(localStorage.getItem(k)) + END_MARGIN_MS < Date.now())
        ended.push(k.slice(DRAFT_END.length));
    }
    ended.forEach(function (path) {
      var d;
      try { d = JSON.parse(localStorage.getItem("hausbesuch-entwurf:" + path) || "{}"); }
      catch (e) { d = {}; }
      lost = lost.concat(hausbesuchUnsent.draftsNamed(d));
      localStorage.removeItem("hausbesuch-entwurf:" + path);
      localStorage.removeItem(DRAFT_END + path);
    });
    return lost;
  }
  // the stops whose drafts of an ended link went when this page opened: said at the top
  // of the page, as an alert (nothing else says it, and the worker may still remember
  // what was typed)
  function showEndedDrafts(lost) {
    var main = document.querySelector("main");
    if (!lost.length || !main) return;
    var p = hausbesuchUnsent.draftsGone(lost, true);
    p.className = "error";
    p.setAttribute("role", "alert");
    main.insertBefore(p, main.firstChild);
  }
  function keepDraft(f) {
    if (closed) return;  // the route is off the page: nothing is kept of it
    var d = drafts(), entry = {}, kunde = f.kundennummer.value;
    DRAFT_FIELDS.forEach(function (name) {
      var input = f[name];
      if (!input || input.type === "hidden" || !String(input.value).trim()) return;
      // the visit time only as the worker typed it (not the prefilled one)
      if (name === "zeit" && !input.hasAttribute("data-getippt")) return;
      entry[name] = input.value;
    });
    if (Object.keys(entry).length) d[kunde] = entry; else delete d[kunde];
    saveDrafts(d);
  }
  function dropDraft(kunde) {
    var d = drafts();
    if (kunde in d) { delete d[kunde]; saveDrafts(d); }
  }
  // the drafts back into their forms (empty fields only); those of stops no longer on the
  // page (a re-plan moved them) go
  function restoreDrafts() {
    var d = drafts(), changed = false, gone = {};
    Object.keys(d).forEach(function (kunde) {
      var li = stopEl(kunde), f = li && li.querySelector("form.outcome-form");
      if (!f) { gone[kunde] = d[kunde]; delete d[kunde]; changed = true; return; }
      DRAFT_FIELDS.forEach(function (name) {
        var input = f[name], value = d[kunde][name];
        if (!input || !value || input.type === "hidden") return;
        if (name === "zeit") {
          input.value = value;
          input.setAttribute("data-gesetzt", "");
          input.setAttribute("data-getippt", "");
        } else if (!input.value) {
          input.value = value;
        }
      });
    });
    if (changed) saveDrafts(d);
    // ... named, never their text: a stop recorded by the other phone, called off since
    // (the case closed) or moved to another team by a re-plan has no form for them any
    // more (QA 46c F1)
    var lost = hausbesuchUnsent.draftsNamed(gone), main = document.querySelector("main");
    if (lost.length && main) {
      var p = document.createElement("p");
      p.id = "entwuerfe-entfallen";
      p.className = "error";
      p.setAttribute("role", "alert");
      p.textContent = "Eingetippt, aber hier nicht mehr zu erfassen (der Besuch ist " +
        "inzwischen erfasst, entfällt oder ist nicht mehr auf Ihrer Route; vom Telefon " +
        "gelöscht): " + lost.join(", ") + ". Bitte der Koordination melden.";
      main.insertBefore(p, main.firstChild);
    }
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function localStamp(d) {
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" +
      pad(d.getHours()) + ":" + pad(d.getMinutes());
  }
  function minutes(hhmm) {
    var m = /^(\d{1,2}):(\d{2})$/.exec(String(hhmm || "").trim());
    return m && +m[1] < 24 && +m[2] < 60 ? +m[1] * 60 + +m[2] : -1;
  }
  // "Today" for every check against the visit day (data-day: before the day, the time
  // field's fill-in, a time still ahead) is the server's. On a normal day that is the
  // phone's date. In an exercise (HAUSBESUCH_HEUTE) the server's day is a fixed date that
  // does not follow the real clock (data-heute): the phone takes it with its own time of
  // day (as the server's clock.now_on_today takes the real time of day). A day offset from
  // the phone's date would describe the fixed day only on the real day the page was
  // rendered: a copy opened from the phone's cache a day later would count a day ahead of
  // the server. An exercise moved to another day reaches an open page with its check of
  // the link every minute (sw.js, header X-Heute: exerciseMoved), a copy from the cache
  // with the next load with signal.
  var day = body.getAttribute("data-day") || "";
  var exerciseDay = body.getAttribute("data-heute") || "";
  function serverDay() { return exerciseDay || localStamp(new Date()).slice(0, 10); }
  // the visit time's field of a form: the planned start of the visit (data-geplant), or the
  // phone's time of day while the page is used on the visit day (serverDay) near the visit
  // (from 60 min before its planned start to 90 min after its planned end, in the same
  // half of the day as the planned start and within an hour after the team's planned
  // return: data-von, data-bis), so that a result entered later (in the office, or after
  // noon for a morning visit) does not count as a try at that hour.
  // The windows of stops close together overlap (at 09:58 those of stops planned at
  // 08:00, 08:46 and 09:17): only one open stop takes the phone's time, the one whose
  // planned start is nearest to it; the others in their window stay empty, so that the
  // worker types the time in (QA 28 F15: a stop entered late took the same "now").
  // Once the worker has set a time (or an outcome was tapped with it) it stays: a
  // correction keeps it.
  function nowMinutes() { var d = new Date(); return d.getHours() * 60 + d.getMinutes(); }
  function inWindow(input, now) {
    return now >= Number(input.getAttribute("data-von")) &&
      now <= Number(input.getAttribute("data-bis"));
  }
  // a field of a stop still to be recorded (not done, not waiting, not called off)
  function openStop(input) {
    var li = input.closest("li.stop");
    return input.type !== "hidden" && !!li && !li.classList.contains("done") &&
      !li.classList.contains("pending") && !li.classList.contains("called-off");
  }
  // the one field that takes the phone's time now (null: none): of the open stops whose
  // window holds it, the one planned nearest to it, also when the worker has typed a time
  // there (then no field takes it: the worker is at that stop)
  function nowTarget() {
    if (serverDay() !== day) return null;
    var now = nowMinutes(), best = null, bestGap = 0;
    Array.prototype.forEach.call(
      document.querySelectorAll("form.outcome-form input[name=zeit]"), function (input) {
        if (!openStop(input) || !inWindow(input, now)) return;
        var gap = Math.abs(now - minutes(input.getAttribute("data-geplant")));
        if (best === null || gap < bestGap) { best = input; bestGap = gap; }
      });
    return best;
  }
  function autoTime(input, target) {
    if (!input || input.hasAttribute("data-gesetzt")) return;
    if (target === undefined) target = nowTarget();
    var d = new Date(), value = input.getAttribute("data-geplant") || "";
    // the hint right after the field's label (not in it: the field's name stays)
    var label = input.closest("label"), hint = null;
    if (label && label.nextElementSibling &&
        label.nextElementSibling.classList.contains("zeit-hinweis")) {
      hint = label.nextElementSibling;
    }
    var empty = false;
    var near = serverDay() === day && inWindow(input, nowMinutes());
    if (input === target || (near && !openStop(input))) {
      // (the form of a stop recorded already, behind its control: as before)
      value = pad(d.getHours()) + ":" + pad(d.getMinutes());
    } else if (near) {
      value = "";  // near the visit, but another stop is nearer: the worker says when
      empty = true;
    }
    if (input.value !== value) input.value = value;
    if (empty && !hint && label) {
      hint = document.createElement("p");
      hint.className = "hint zeit-hinweis";
      hint.id = "zeit-hinweis-" + (++hintCount);
      hint.textContent = "Bitte die Uhrzeit des Besuchs eintragen.";
      label.parentNode.insertBefore(hint, label.nextSibling);
    }
    if (hint) timeHint(input, hint, empty);
  }
  var hintCount = 0;
  // the hint under the time field shown or hidden, and the field described by it (for
  // screen readers: beside the stop's state line when the field is marked)
  function timeHint(input, hint, on) {
    hint.hidden = !on;
    if (hint.id) describe(input, hint.id, on);
  }
  function autoTimes() {
    var target = nowTarget();
    Array.prototype.forEach.call(
      document.querySelectorAll("form.outcome-form input[name=zeit]"),
      function (input) { autoTime(input, target); });
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return pad(b.toString(16)); }).join("");
  }
  // the server refuses control characters (a NUL pasted into the note): leave them out
  function cleanNote(text) { return text.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, ""); }
  // the client's stop to visit: a called-off stop of the same client has an id of its own
  // ("stopp-<Kundennummer>-entfaellt-<Position>") and is never marked by an outcome; the
  // stop of a case no longer open (data-gone) is, for an outcome queued before it closed
  // (refused by the server: it must be shown with „Verwerfen“)
  function stopEl(kunde) {
    var li = document.getElementById("stopp-" + kunde);
    return li && (!li.classList.contains("called-off") || li.hasAttribute("data-gone"))
      ? li : null;
  }
  // the stop's state line is a live region (role=status): screen readers announce what
  // is written there, politely as a rule, at once (aria-live=assertive) when ``urgent`` -
  // an outcome the server refused, or one that could not be sent. (Only aria-live
  // changes: a changed role makes a new node, whose first text may not be announced.)
  function show(kunde, text, cls, urgent) {
    var li = stopEl(kunde); if (!li) return;
    li.classList.remove("done", "pending"); if (cls) li.classList.add(cls);
    var st = li.querySelector("[data-state]");
    if (st) {
      st.classList.remove("refusal");  // (showRefused marks its own)
      st.setAttribute("aria-live", urgent ? "assertive" : "polite");
      // a stop called off since (data-base: why) keeps saying so before the news
      var base = st.getAttribute("data-base");
      st.textContent = base ? base + " " + text : text;
    }
    markNext();
  }
  // the stop's heading once its outcome is stored, in the words of a page made now
  // (casework.stops.done_text: „erledigt 09:40 Uhr: Angetroffen“, „erledigt: …“ without a
  // time), and its planned times out of view: a correction in the phone's minutes, or
  // one the pair's other phone made, must not leave the old outcome in the heading while
  // the state line says the new one (review 29 #2)
  function doneHead(kunde, zeit, label) {
    var li = stopEl(kunde); if (!li) return;
    var time = li.querySelector(".stop-head .time");
    var text = "erledigt" + (zeit ? " " + zeit + " Uhr" : "") + ": " + label;
    if (time && time.textContent !== text) time.textContent = text;
    var planned = li.querySelector(".meta .geplant");
    if (planned) planned.hidden = true;
  }
  // the stop's heading and planned times as before its outcome (taken back: the
  // reverse of doneHead); a page made after the outcome keeps them in data attributes
  function openHead(li) {
    var time = li.querySelector(".stop-head .time");
    var plan = time && time.getAttribute("data-plan");
    if (plan && time.textContent !== plan) time.textContent = plan;
    var meta = li.querySelector(".meta"), planned = meta && meta.querySelector(".geplant");
    if (!planned && meta && meta.hasAttribute("data-geplant")) {
      planned = document.createElement("span");
      planned.className = "geplant";
      planned.textContent = meta.getAttribute("data-geplant");
      meta.insertBefore(planned, meta.firstChild);
    }
    if (planned) planned.hidden = false;
  }
  // the stop's outcome is stored (sent from here): as on a page made after that, the
  // outcome stands out and the form goes behind a control „Ergebnis ändern“, so that a
  // second tap by mistake needs two (the server keeps a stored outcome)
  // (the sentence is the server's, as the page shows it: pages_worker.CORRECTION_HINT)
  var CHANGE_HINT = body.getAttribute("data-korrektur") || "";
  // the focus on the stop's state line, which says what became of the outcome just
  // tapped („Gespeichert: …“, „Übermittelt: …“): a screen reader reads it where the
  // worker is (a live region alone is not heard by every reader, nor while the focus
  // moves; WCAG 4.1.3), and the next Tab leads on within the stop
  function confirmFocus(li) {
    if (!li) return;
    var st = li.querySelector("[data-state]") || li.querySelector(".stop-head");
    if (st) { st.setAttribute("tabindex", "-1"); st.focus(); }
  }
  // the phone may replace its own outcome for a few minutes after it was stored (the
  // server's PHONE_CORRECTION_MIN, QA 28 F2): ``leftS`` seconds left (0: no more) and the
  // server's line saying until when; after that the control says who corrects it
  var CHANGE_TITLE = body.getAttribute("data-korrektur-titel") || "Ergebnis ändern";
  function changeControl(li, box, leftS, hintText) {
    var summary = box.querySelector("summary"), hint = box.querySelector("p.hint");
    var open = leftS > 0;
    var title = open ? "Ergebnis ändern" : CHANGE_TITLE;
    // named with its stop („Ergebnis ändern: Stopp 2 · W001“), as on a page made later
    var named = li.querySelector(".navlinks a[data-stopp]");
    if (summary) {
      summary.textContent = title;
      if (named) summary.setAttribute("aria-label", title + named.getAttribute("data-stopp"));
    }
    if (hint) hint.textContent = open && hintText ? hintText : CHANGE_HINT;
    if (box.changeTimer) { clearTimeout(box.changeTimer); box.changeTimer = null; }
    if (open) {
      box.changeTimer = setTimeout(function () { changeControl(li, box, 0, ""); }, leftS * 1000);
    }
  }
  // the stop's form out from behind its control „Ergebnis ändern“ (the reverse of
  // collapse): its outcome was taken back
  function uncollapse(li) {
    var box = li.querySelector("details.change");
    if (!box) return;
    if (box.changeTimer) { clearTimeout(box.changeTimer); box.changeTimer = null; }
    var form = box.querySelector("form.outcome-form");
    var focused = box.contains(document.activeElement);
    if (form) box.parentNode.insertBefore(form, box);
    box.parentNode.removeChild(box);
    if (focused) confirmFocus(li);  // the focus stays with the stop
  }
  function collapse(kunde, leftS, hintText) {
    var li = stopEl(kunde); if (!li) return;
    var form = li.querySelector("form.outcome-form");
    var st = li.querySelector("[data-state]");
    if (st) st.classList.add("recorded");
    if (!form) return;
    var box = li.querySelector("details.change");
    if (box) { box.open = false; changeControl(li, box, leftS || 0, hintText); return; }
    if (form.contains(document.activeElement)) confirmFocus(li);  // stays with the stop
    box = document.createElement("details");
    box.className = "change";
    var summary = document.createElement("summary");
    var hint = document.createElement("p");
    hint.className = "hint";
    box.appendChild(summary);
    box.appendChild(hint);
    form.parentNode.insertBefore(box, form);
    box.appendChild(form);
    changeControl(li, box, leftS || 0, hintText);
  }
  // the note of the stop's outcome waiting on the phone, under its state line („Notiz: …“,
  // with „Notiz löschen“): the form's field is emptied once queued, and a correction
  // without a note keeps it (QA 28 F4)
  function showQueuedNote(kunde) {
    var li = stopEl(kunde); if (!li) return;
    var item = null;
    load().forEach(function (x) {
      if (!x.refused && !x.blocked && x.fields.kundennummer === kunde) item = x;
    });
    var el = li.querySelector(".queued-note");
    if (!item || !item.fields.notiz) { if (el) el.parentNode.removeChild(el); return; }
    if (!el) {
      el = document.createElement("div");
      el.className = "queued-note";
      var st = li.querySelector("[data-state]");
      if (st) st.parentNode.insertBefore(el, st.nextSibling); else li.appendChild(el);
    }
    el.textContent = "";
    var p = document.createElement("p");
    p.className = "note";
    p.textContent = "Notiz: " + item.fields.notiz;
    el.appendChild(p);
    // on its way to the server now: the note goes with it, it cannot be taken back here
    // (review 28b #5: „Notiz gelöscht“ was said of a note then stored)
    if (item.fields.schluessel === sendingKey) return;
    var b = document.createElement("button");
    b.type = "button"; b.className = "danger"; b.textContent = "Notiz löschen";
    b.setAttribute("aria-label", "Notiz löschen: " + kunde);
    b.addEventListener("click", function () {
      save(load().map(function (x) {
        if (sameKey(x, item)) x.fields.notiz = "";
        return x;
      }));
      var head = li.querySelector(".stop-head");
      if (head && el.contains(document.activeElement)) {
        head.setAttribute("tabindex", "-1");
        head.focus();
      }
      showQueuedNote(kunde);
      var st = li.querySelector("[data-state]");
      if (st) show(kunde, st.textContent.replace(/ ?Notiz bleibt erhalten\.$/, "") +
        " Notiz gelöscht.", li.classList.contains("done") ? "done" : "pending");
    });
    el.appendChild(b);
  }
  // F3: outcomes kept on the phone whose stop is no longer on this page (a re-plan moved it
  // to another team): listed below the header with „Verwerfen“, the Kundennummer only and
  // a note as „mit Notiz“ (as unsent.js lists them on a link that is gone)
  var orphansShown = null;
  function showOrphans() {
    var q = load().filter(function (x) { return !stopEl(x.fields.kundennummer); });
    var sig = q.map(function (x) { return x.fields.schluessel + (x.fields.notiz ? "+" : ""); })
      .join(",");
    if (sig === orphansShown) return;
    orphansShown = sig;
    var box = document.getElementById("nicht-auf-route");
    if (!q.length) { if (box) box.parentNode.removeChild(box); return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "nicht-auf-route";
      box.className = "orphans";
      var main = document.querySelector("main");  // at its top, right below the header
      if (!main) return;
      main.insertBefore(box, main.firstChild);
    }
    box.textContent = "";
    var list = document.createElement("ul");
    q.forEach(function (item) {
      var f = item.fields, zeit = String(f.zeit || "").slice(11);
      var li = document.createElement("li");
      var p = document.createElement("p");
      p.className = "error";
      p.textContent = "Nicht mehr auf Ihrer Route: " + f.kundennummer + " – bitte der " +
        "Koordination melden (" + item.label + (zeit ? ", " + zeit + " Uhr" : "") +
        (f.notiz ? ", mit Notiz" : "") + (item.refused ? ", nicht angenommen" : "") + ").";
      var b = document.createElement("button");
      b.type = "button"; b.className = "danger"; b.textContent = "Verwerfen";
      b.setAttribute("aria-label", "Verwerfen: " + item.label + " für " + f.kundennummer);
      b.addEventListener("click", function () {
        save(load().filter(function (x) { return !sameKey(x, item); }));
        var h1 = document.querySelector("h1");
        if (h1 && box.contains(document.activeElement)) {
          h1.setAttribute("tabindex", "-1");
          h1.focus();
        }
        status();
      });
      li.appendChild(p);
      li.appendChild(b);
      list.appendChild(li);
    });
    box.appendChild(list);
  }
  // the appointment's fields of form ``f`` marked as in error (described by the stop's
  // state line, where the reason is written), or unmarked
  function markAppointment(f, bad) { markInputs(f, [f.termin_datum, f.termin_zeit], bad); }
  // the visit time's field of form ``f`` marked as in error, or unmarked
  function markTime(f, bad) { markInputs(f, [f.zeit], bad); }
  function markInputs(f, inputs, bad) {
    var li = f.closest ? f.closest("li.stop") : f.parentNode;
    var st = li && li.querySelector("[data-state]");
    inputs.forEach(function (input) {
      if (!input) return;
      if (bad && st && st.id) {
        input.setAttribute("aria-invalid", "true");
        describe(input, st.id, true);
      } else {
        input.removeAttribute("aria-invalid");
        if (st && st.id) describe(input, st.id, false);
      }
    });
    // a field marked is one to fill in: the appointment's fields come into view
    if (bad && inputs.indexOf(f.termin_datum) >= 0) showAppointment(f);
  }
  // ``id`` added to (or taken from) the elements that describe ``el`` for screen readers:
  // the time field is described by its hint („Bitte die Uhrzeit des Besuchs eintragen.“)
  // and, when marked, by the stop's state line too
  function describe(el, id, on) {
    var ids = (el.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (x) {
      return x && x !== id;
    });
    if (on) ids.push(id);
    if (ids.length) el.setAttribute("aria-describedby", ids.join(" "));
    else el.removeAttribute("aria-describedby");
  }
  // the appointment's date and time of form ``f``: in view only once „Termin vereinbart“
  // is tapped or one of them holds a value (QA 28 F17: a stop took some 700 px); the
  // page without the script shows them always
  function showAppointment(f) {
    var box = f.querySelector(".appt");
    if (box) box.hidden = false;
  }
  function foldAppointments() {
    Array.prototype.forEach.call(document.querySelectorAll("form.outcome-form"), function (f) {
      var box = f.querySelector(".appt");
      if (!box || !f.termin_datum || !f.termin_zeit) return;
      if (f.termin_datum.value || f.termin_zeit.value) box.hidden = false;
      else if (!box.contains(document.activeElement)) box.hidden = true;
    });
  }
  // the jump at the top to the first stop still to be recorded (not done, not waiting,
  // not called off); hidden when none is left (QA 28 F17)
  function markNext() {
    var p = document.getElementById("naechster");
    var a = p && p.querySelector("a"), who = p && p.querySelector(".wer");
    if (!a || !who) return;
    var next = null;
    Array.prototype.some.call(document.querySelectorAll("li.stop"), function (li) {
      if (li.classList.contains("done") || li.classList.contains("pending") ||
          li.classList.contains("called-off")) return false;
      next = li;
      return true;
    });
    p.hidden = !next;
    if (!next) return;
    a.setAttribute("href", "#" + next.id);
    var num = next.querySelector(".stop-head .num"), time = next.querySelector(".stop-head .time");
    who.textContent = (num ? num.textContent.trim() + " · " : "") +
      (time ? time.textContent.trim() : "");
  }
  function status() {
    var q = closed ? load() : load().filter(function (x) {  // (listed in showOrphans)
      return !!stopEl(x.fields.kundennummer);
    });
    var n = q.filter(function (x) { return !x.blocked && !x.refused; }).length;
    var r = q.filter(function (x) { return x.refused && !isKnown(x); }).length;
    // another outcome is recorded: nothing to record again; by the pair's other phone
    // (QA 28 F21) it is no change of this phone's to report
    var o = q.filter(function (x) { return isKnown(x) && x.other; }).length;
    var k = q.filter(isKnown).length - o;
    var el = document.getElementById("warteschlange");  // a live region: written only when
    var queued = (!n ? "" : n === 1 ? "1 Ergebnis wartet auf Netz. "  // it changes (read once)
      : n + " Ergebnisse warten auf Netz. ") + (!r ? "" : r === 1
      ? "1 Ergebnis wurde nicht angenommen: bitte neu erfassen oder verwerfen. "
      : r + " Ergebnisse wurden nicht angenommen: bitte neu erfassen oder verwerfen. ") +
      (!k ? "" : k === 1 ? "1 Änderung nicht übernommen: bitte der Koordination melden. "
        : k + " Änderungen nicht übernommen: bitte der Koordination melden. ") +
      (!o ? "" : o === 1 ? "1 Ergebnis vom anderen Telefon schon erfasst: bitte prüfen und " +
        "verwerfen." : o + " Ergebnisse vom anderen Telefon schon erfasst: bitte prüfen " +
        "und verwerfen.");
    queued = queued.trim();
    if (el && el.textContent !== queued) el.textContent = queued;
    var banner = document.getElementById("netz");  // rendered always: a live region
    if (banner) {
      // the route is off the page: nothing will be sent later (QA 19b #9)
      var text = navigator.onLine || closed ? "" : OFFLINE_TEXT;
      if (banner.textContent !== text) banner.textContent = text;
    }
    if (closed) showUnsent(); else showOrphans();
  }

  // ---- what the phone keeps of links: only while they are valid

  function endsWith(text, tail) { return text.slice(-tail.length) === tail; }
  // {until, scope} of a cache of a link ("hausbesuch-<version>-<until>-<scope>"), else null
  function parseCache(name) {
    var m = /^hausbesuch-([0-9a-f]+)-(\d+)-(.+)$/.exec(name);
    return m ? { until: Number(m[2]), scope: m[3] } : null;
  }
  function cacheNames() {
    if (!window.caches) return Promise.resolve([]);
    return caches.keys().then(function (names) {
      return names.filter(function (n) { return n.indexOf(CACHE_PREFIX) === 0; });
    });
  }
  // delete every stored copy of the link with scope ``s`` and unregister its service worker
  function forgetScope(s) {
    var jobs = [cacheNames().then(function (names) {
      return Promise.all(names.filter(function (n) { return endsWith(n, "-" + s); })
        .map(function (n) { return caches.delete(n); }));
    })];
    if ("serviceWorker" in navigator) {
      jobs.push(navigator.serviceWorker.getRegistrations().then(function (regs) {
        return Promise.all(regs.filter(function (r) { return r.scope === s; })
          .map(function (r) { return r.unregister(); }));
      }));
    }
    return Promise.all(jobs).catch(function () { /* nothing stored, nothing to delete */ });
  }
  // does the server still know the link with scope ``s``? (false only for 404/410)
  function linkAlive(s) {
    return fetch(s + "sw.js", { cache: "no-store", credentials: "omit" }).then(
      function (resp) { return resp.status !== 404 && resp.status !== 410; },
      function () { return true; });  // no signal: nothing known
  }
  // past the link's end by the phone's clock (the server may still say it is valid)
  function pastEnd() { return validUntil > 0 && Date.now() > validUntil; }
  // past the link's end and the margin by the phone's clock: without signal that decides
  function expiredNow() { return validUntil > 0 && Date.now() > validUntil + END_MARGIN_MS; }
  // the link's end has passed by the phone's clock: the server is asked (it clears the
  // route on 404/410), and only without an answer the phone's clock with the margin decides
  function checkEnd() {
    if (closed || !pastEnd()) return;
    if (navigator.onLine) checkLink(); else if (expiredNow()) closeExpired();
  }

  // the link ends within END_WARNING_MS (by the phone's clock): the live region rendered
  // with the page (#ablauf) says when, and what goes with the route then
  function warnEnd() {
    if (closed || validUntil <= 0) return;
    var left = validUntil - Date.now();
    var box = document.getElementById("ablauf");
    if (!box) return;
    if (left <= 0) {
      // past the end by the phone's clock, without signal: the copy stays for the margin
      // (the clock may be wrong), and the page says so (QA 46c F5)
      if (pastWarned || navigator.onLine) return;
      pastWarned = true;
      var ended = new Date(validUntil), gone = new Date(validUntil + END_MARGIN_MS);
      var q = document.createElement("p");
      q.className = "hint";
      q.id = "ablauf-vorbei";
      q.textContent = "Nach der Uhr dieses Telefons ist der Link seit " +
        pad(ended.getHours()) + ":" + pad(ended.getMinutes()) + " Uhr abgelaufen. Ohne " +
        "Netz bleibt die Route bis höchstens " + pad(gone.getHours()) + ":" +
        pad(gone.getMinutes()) + " Uhr sichtbar; dann löscht das Telefon sie und " +
        "eingetippte, nicht erfasste Angaben. Ergebnisse nimmt der Server nach dem Ende " +
        "des Links nicht mehr an: bitte bei der Koordination einen neuen Link anfordern.";
      box.appendChild(q);
      return;
    }
    if (endWarned || left > END_WARNING_MS) return;
    endWarned = true;
    var end = new Date(validUntil);
    var p = document.createElement("p");
    p.className = "hint";
    p.textContent = "Dieser Link endet um " + pad(end.getHours()) + ":" +
      pad(end.getMinutes()) + " Uhr. Bitte die Ergebnisse vorher erfassen: dann löscht " +
      "das Telefon die Route und eingetippte, nicht erfasste Angaben (Notizen, " +
      "Uhrzeiten, Termine). Wird die Route länger gebraucht, bitte bei der Koordination " +
      "einen neuen Link anfordern.";
    box.appendChild(p);
  }
  // the outcomes not sent, once the route is off the page (unsent.js)
  function showUnsent() {
    var box = document.getElementById("nicht-gesendet");
    if (box) hausbesuchUnsent.render(box, load());
  }
  // the link has ended or is gone: delete the copy and take every stop (addresses, times,
  // notes) off the page; only the notice and the outcomes not sent stay
  function closeRoute(id, text, title) {
    if (closed) return;
    closed = true;
    // deleted below: the page names their stops (QA 45a F7; unsent.js)
    var lost = hausbesuchUnsent.draftsNamed(drafts());
    localStorage.removeItem(sentKey);
    localStorage.removeItem(draftKey);  // typed, never tapped: nothing to report
    localStorage.removeItem(DRAFT_END + location.pathname);
    forgetScope(scope);
    var main = document.querySelector("main");
    var head = document.querySelector("header.top");
    if (head) head.parentNode.removeChild(head);
    var orphans = document.getElementById("nicht-auf-route");  // listed with the rest below
    if (orphans) orphans.parentNode.removeChild(orphans);
    var ending = document.getElementById("ablauf");  // the warning before the end
    if (ending) ending.textContent = "";
    if (main) {
      main.textContent = "";
      var h = document.createElement("h1");  // the page's heading went with the header
      h.textContent = title;
      main.appendChild(h);
      var p = document.createElement("p");
      p.id = id; p.className = "error"; p.setAttribute("role", "alert");
      p.textContent = text;
      main.appendChild(p);
      if (lost.length) {
        // a draft holds what the worker typed about a client: it is not kept past the
        // link (README, Privacy); the worker learns which stops to report (QA 45a F7)
        main.appendChild(hausbesuchUnsent.draftsGone(lost, false));
      }
      var box = document.createElement("div");
      box.id = "nicht-gesendet";
      main.appendChild(box);
    }
    status();  // the offline banner goes, the outcomes not sent are listed
  }
  // the link's end has passed (by the phone's clock)
  function closeExpired() { closeRoute("abgelaufen", EXPIRED_TEXT, "Link abgelaufen"); }
  // the server says the link is gone (revoked, expired, unknown)
  function linkGone() { closeRoute("linkende", GONE_TEXT, "Link ungültig"); }
  // a 404/410: the link is gone, or (EMPTY_TEXT) its team-day has no visits any more
  function closedBy(resp) {
    if (resp.headers.get("X-Tagesplan-Leer")) {
      closeRoute("keine-besuche", EMPTY_TEXT, "Keine Besuche mehr");
    } else {
      linkGone();
    }
  }
  // the server's stamp of the team-day's stops (sw.js, header X-Tour-Stand) differs from
  // the page's own: a re-plan moved stops (or a note or time changed) since the page was
  // made. The page reloads itself when nothing is typed and nothing waits to be sent
  // (once per new stamp), else it asks for a reload with a button.
  var tourShown = body.getAttribute("data-tour") || "";
  var TOUR_TEXT = "Die Tour wurde geändert – bitte neu laden.";
  // (what is typed stays on the phone as a draft: QA 28 F5; not for a stop the change
  // took off this route)
  var TYPED_LOST = "Eingetippte Angaben zu Besuchen, die nicht mehr auf Ihrer Route " +
    "stehen, gehen beim Neuladen verloren; die übrigen bleiben erhalten. Trotzdem neu laden?";
  var reloadKey = "hausbesuch-neu-geladen:" + location.pathname;
  function typed() {
    return Array.prototype.some.call(
      document.querySelectorAll("form.outcome-form textarea, form.outcome-form input"),
      function (el) {
        // the visit time: only as the worker typed it (not the prefilled or a sent one)
        if (el.name === "zeit") return el.hasAttribute("data-getippt");
        return el.type !== "hidden" && el.value.trim() !== "";
      });
  }
  // (true: the page reloads itself, which keeps the new page as the phone's copy)
  function tourChanged(stamp) {
    if (closed) return false;
    var again = false;
    try { again = sessionStorage.getItem(reloadKey) === stamp; } catch (e) { again = true; }
    if (!again && !typed() && !load().length && !sending) {
      try { sessionStorage.setItem(reloadKey, stamp); } catch (e) { /* reload anyway */ }
      location.reload();
      return true;
    }
    var box = document.getElementById("tourwechsel");
    if (!box || box.firstChild) return false;  // said already
    var p = document.createElement("p");
    p.className = "hint";
    p.textContent = TOUR_TEXT;
    var b = document.createElement("button");
    b.type = "button"; b.className = "primary"; b.textContent = "Neu laden";
    b.addEventListener("click", function () {
      // what is typed and not yet saved would go with the old page
      if (typed() && !window.confirm(TYPED_LOST)) return;
      location.reload();
    });
    p.appendChild(document.createTextNode(" "));
    p.appendChild(b);
    box.appendChild(p);
    return false;
  }
  // the exercise's day the server takes as today now ("" once it ended): the checks
  // against the visit day follow it at once (buttons before the day, the time field)
  function exerciseMoved(heute) {
    exerciseDay = heute;
    markEarly();
    watchEarly();  // an exercise ended before the visit day: that day may begin while open
    autoTimes();
  }
  // the team's state as the server says it now (sw.js, header X-Team-Stand): taken out,
  // or back in by *Team wieder einplanen*, while the stops stayed as they were (QA 28
  // F20). The line below the header follows it, and a banner says what is new.
  var teamShown = body.getAttribute("data-team") || "";
  function teamChanged(text) {
    if (closed || text === teamShown) return;
    teamShown = text;
    var line = document.getElementById("abgemeldet");
    if (!text) {
      if (line) line.parentNode.removeChild(line);
    } else {
      if (!line) {
        line = document.createElement("p");
        line.id = "abgemeldet"; line.className = "hint teamout";
        var main = document.querySelector("main"), before = document.getElementById("vorab");
        if (before) before.parentNode.insertBefore(line, before);
        else if (main) main.insertBefore(line, main.firstChild);
      }
      line.textContent = "";
      var strong = document.createElement("strong");
      strong.textContent = text;
      line.appendChild(strong);
    }
    var box = document.getElementById("teamwechsel");
    if (!box) return;
    box.textContent = "";
    if (!text) return;
    var p = document.createElement("p");
    p.className = "hint";
    p.textContent = "Neu: " + text + " ";
    var ok = document.createElement("button");
    ok.type = "button"; ok.textContent = "Verstanden";
    ok.addEventListener("click", function () {
      var h1 = document.querySelector("h1");
      if (h1) { h1.setAttribute("tabindex", "-1"); h1.focus(); }
      box.textContent = "";
    });
    p.appendChild(ok);
    box.appendChild(p);
  }
  // the outcomes recorded for the stops now (sw.js, header X-Erfasst): a stop this page
  // shows as open, with nothing of this phone waiting or sent for it, was recorded
  // elsewhere - through this link by the pair's other phone (``l``), else by the
  // coordination: marked as a page made now would, its form behind the control, so that
  // the pair does not walk to a door the colleague has done (QA 28 F21). A stop recorded
  // elsewhere (marked so here: data-extern, the outcome as its line says it; or shown
  // „Erfasst: …“ when the page was made) follows a later change of that outcome: the
  // other phone's correction in its minutes, or the coordination's (review 29 #5)
  // A stop the page shows as recorded that the list no longer holds had its outcome taken
  // back by the coordination: see takenBack. ``check``: the number of the check that
  // brought the list (checkCount when it was sent).
  function recordedElsewhere(list, check) {
    if (closed || !list || !list.forEach) return;
    var queued = {}, sent = {};
    load().forEach(function (x) { queued[x.fields.kundennummer] = true; });
    sentList().forEach(function (x) { sent[x.kundennummer] = true; });
    list.forEach(function (r) {
      var li = r && stopEl(r.k);
      if (!li || li.classList.contains("pending") || li.classList.contains("called-off") ||
          queued[r.k] || sent[r.k]) return;
      var what = r.e + (r.z ? " (" + r.z + " Uhr)" : "") + (r.t || "");
      if (li.classList.contains("done")) {
        var seen = li.getAttribute("data-extern");
        if (seen === null) {  // recorded when the page was made: its line says what
          var st = li.querySelector("[data-state]");
          seen = st ? st.textContent.replace(/^Erfasst: /, "") : "";
        }
        li.setAttribute("data-extern", seen);
        if (seen === what) return;  // as shown
      }
      li.setAttribute("data-extern", what);
      show(r.k, (r.l ? "Erfasst (anderes Telefon): " : "Erfasst: ") + what, "done");
      doneHead(r.k, r.z, r.e);
      collapse(r.k, 0, "");
      autoTimes();  // that stop no longer takes the phone's time
    });
    var listed = {};
    list.forEach(function (r) { if (r && r.k) listed[r.k] = true; });
    Array.prototype.forEach.call(document.querySelectorAll("li.stop"), function (li) {
      var kunde = li.getAttribute("data-kunde");
      if (!kunde || listed[kunde] || li.classList.contains("called-off") ||
          stopEl(kunde) !== li) return;
      // the server answered this phone about the stop after the check was sent: the
      // list may be older than that answer
      if (answered[kunde] !== undefined && answered[kunde] >= check) return;
      takenBack(li, kunde);
    });
  }
  // the server's answers to this phone's outcomes: Kundennummer -> checkCount then
  var answered = {};
  var checkCount = 0;  // the minute checks sent (see recordedElsewhere)
  var TAKEN_BACK = "Das zuvor erfasste Ergebnis wurde von der Koordination zurückgenommen.";
  // the outcome the page shows for the stop ``li`` is no longer recorded (the coordination
  // took it back): the stop is open again as on a page made now, its form in view, the
  // heading with the planned time, and this phone no longer remembers it as sent. An
  // outcome of this phone not sent for it stays, and its line says so: one waiting to be
  // sent keeps its line; one refused because that outcome was recorded is kept on the
  // phone, not sent, to be tapped again or discarded.
  function takenBack(li, kunde) {
    var q = load(), mine = q.filter(function (x) { return x.fields.kundennummer === kunde; });
    var known = mine.filter(isKnown);
    if (!li.classList.contains("done") && !li.querySelector("details.change") &&
        !known.length) return;  // shown open (or waiting): nothing taken back on the page
    var time = li.querySelector(".stop-head .time");
    var was = time && /^erledigt(?: \d{1,2}:\d{2} Uhr)?: (.+)$/.exec(time.textContent.trim());
    var list = sentList().filter(function (x) { return x.kundennummer !== kunde; });
    localStorage.setItem(sentKey, JSON.stringify(list));
    li.removeAttribute("data-extern");
    openHead(li);
    uncollapse(li);
    var st = li.querySelector("[data-state]");
    if (st) st.classList.remove("recorded");
    if (known.length) {
      save(q.map(function (x) {
        if (isKnown(x) && x.fields.kundennummer === kunde) {
          x.refused = TAKEN_BACK; x.refusedField = null; x.other = false; x.takenBack = true;
        }
        return x;
      }));
      load().forEach(function (x) {
        if (x.takenBack && x.fields.kundennummer === kunde) showRefused(x);
      });
    } else if (!mine.length) {
      show(kunde, "Nicht mehr erfasst" + (was ? ": „" + was[1] + "“" : "") +
        " (von der Koordination zurückgenommen). Der Besuch ist wieder offen.", "");
    }
    autoTimes();  // the stop may take the phone's time again
    markNext();
    status();
  }
  function header(resp, name) {  // a percent-encoded header (null: none, or unreadable)
    var v = resp.ok ? resp.headers.get(name) : null;
    if (v === null) return null;
    try { return decodeURIComponent(v); } catch (e) { return null; }
  }
  // the outcomes the phone's copy of the page shows (the server's stamp of them: the
  // page's own, as the service worker keeps the page of each load), the team's state it
  // shows (the page's line, data-team), its stops (data-tour), the exercise's day it takes
  // as today (data-heute), and whether a fresh copy is being made
  var copyStamp = body.getAttribute("data-erfasst-stand") || "";
  var copyTeam = body.getAttribute("data-team") || "";
  var copyTour = tourShown;
  var copyHeute = exerciseDay;
  // ... and those this page has (the page's, then the last check's): sent with the check,
  // which gets the outcomes only so, and is audited on the server when they changed
  var knownStamp = copyStamp;
  var refreshing = false;
  // the outcomes (the check's X-Erfasst-Stand), the team's state (X-Team-Stand: taken
  // out or back in), the stops (X-Tour-Stand: a re-plan moved some while the worker had
  // typed something, so the open page only asks for a reload) or the exercise's day
  // (X-Heute) changed since the copy was made: the service worker keeps a fresh copy, so
  // that the page opened again without signal does not show an outcome corrected or taken
  // back since, the team as it was, the old stops or the old day (the open page follows
  // the check, or asks for the reload). ``now``: what the check said ({stamp, team, tour,
  // heute}), which the copy shows once kept.
  function refreshCopy(now) {
    var sw = "serviceWorker" in navigator && navigator.serviceWorker.controller;
    if (!sw || refreshing || !window.MessageChannel) return;
    refreshing = true;
    var channel = new MessageChannel();
    channel.port1.onmessage = function (ev) {
      refreshing = false;
      // (else the next check asks again)
      if (ev.data === true) {
        copyStamp = now.stamp; copyTeam = now.team; copyTour = now.tour; copyHeute = now.heute;
      }
    };
    sw.postMessage("kopie-auffrischen", [channel.port2]);
    // no answer (the service worker replaced meanwhile): the next check asks again
    setTimeout(function () { refreshing = false; }, LINK_CHECK_MS / 2);
  }
  function checkLink() {
    if (closed || !navigator.onLine) return;
    var check = ++checkCount;
    fetch(scope + "sw.js?stand=" + encodeURIComponent(knownStamp),
          { cache: "no-store", credentials: "omit" }).then(function (resp) {
      if (resp.status === 404 || resp.status === 410) { closedBy(resp); return; }
      var stamp = resp.ok && resp.headers.get("X-Tour-Stand");
      if (stamp && tourShown && stamp !== tourShown && tourChanged(stamp)) return;
      var team = header(resp, "X-Team-Stand");  // null: an older server
      if (team !== null) teamChanged(team);
      var outcomes = header(resp, "X-Erfasst");
      if (outcomes !== null) {
        var parsed = null;
        try { parsed = JSON.parse(outcomes); } catch (e) { /* unreadable */ }
        if (parsed) recordedElsewhere(parsed, check);
      }
      var recordedStamp = resp.ok ? resp.headers.get("X-Erfasst-Stand") : null;
      if (recordedStamp) knownStamp = recordedStamp;
      var heute = resp.ok ? resp.headers.get("X-Heute") : null;  // null: an older server
      if (heute !== null && heute !== exerciseDay) exerciseMoved(heute);
      // (a header missing, from an older server: that one does not count)
      var now = {
        stamp: recordedStamp || copyStamp, team: team !== null ? team : copyTeam,
        tour: stamp || copyTour, heute: heute !== null ? heute : copyHeute };
      if (now.stamp !== copyStamp || now.team !== copyTeam || now.tour !== copyTour ||
          now.heute !== copyHeute) refreshCopy(now);
    }, function () {  // no answer: the phone's clock decides, with the margin
      if (expiredNow()) closeExpired();
    });
  }
  // links of other days on this phone: their copies go after their end, or once the
  // server says they are gone
  function tidyOthers() {
    cacheNames().then(function (names) {
      var seen = {};
      names.forEach(function (n) {
        var c = parseCache(n);
        var s = c ? c.scope : n.slice(n.indexOf("-http") + 1);  // an older name: no end known
        if (s === scope || seen[s] || s.indexOf("http") !== 0) return;
        seen[s] = true;
        // without signal by the phone's clock (with the margin), else the server decides
        if (c && !navigator.onLine && c.until + END_MARGIN_MS < Date.now()) {
          forgetScope(s);
          return;
        }
        if (navigator.onLine) {
          linkAlive(s).then(function (alive) { if (!alive) forgetScope(s); });
        }
      });
    }).catch(function () { /* no Cache Storage */ });
  }

  // ---- outcomes

  function sameKey(a, b) { return a.fields.schluessel === b.fields.schluessel; }
  // refused because the visit has another outcome already (the phone's own first tap, sent
  // before a correction; a colleague's): the server's answer names it, and a change goes
  // through the coordination, not by recording again
  function isKnown(x) { return !!x.refused && x.refusedField === "erfasst"; }
  // ... and recorded by the pair's other phone (the same link): no change to report
  var OTHER_PHONE = "Vom anderen Telefon schon erfasst";
  var OTHER_PHONE_TODO = "Bitte verwerfen; nur wenn Ihr Ergebnis oder Ihre Notiz etwas " +
    "anderes sagt, der Koordination melden.";
  // waiting to be sent (not refused, not kept back, not on its way right now)
  function waiting(x) {
    return !x.blocked && !x.refused && x.fields.schluessel !== sendingKey;
  }

  // an outcome the server refused (400): it stays on the phone with the server's reason
  // and its note until it is recorded again (corrected) or discarded
  function showRefused(item) {
    var kunde = item.fields.kundennummer;
    var stateEl = stopEl(kunde) && stopEl(kunde).querySelector("[data-state]");
    showQueuedNote(kunde);  // (its note is in its box below now)
    if (item.takenBack) {  // refused as recorded already, and that one was taken back
      show(kunde, "„" + item.label + "“ ist nur auf diesem Telefon gespeichert (nicht " +
        "gesendet). " + item.refused + " Bitte prüfen und neu erfassen oder verwerfen.",
        "pending", true);
    } else if (isKnown(item)) {
      show(kunde, "„" + item.label + "“ nicht übernommen. " + item.refused, "pending", true);
      var ctl = stopEl(kunde) && stopEl(kunde).querySelector("details.change");
      if (ctl) changeControl(stopEl(kunde), ctl, 0, "");
    } else {
      show(kunde, "„" + item.label + "“ nicht angenommen: " + item.refused + " Das Ergebnis " +
        "bleibt auf diesem Telefon; bitte korrigieren und neu erfassen oder verwerfen.", "pending",
        true);
    }
    // a refusal is no success: not in the green box of a recorded outcome (QA 28 F2)
    if (stateEl) { stateEl.classList.remove("recorded"); stateEl.classList.add("refusal"); }
    var li = stopEl(kunde); if (!li) return;
    var form = li.querySelector("form");  // the appointment refused: its fields are marked
    if (form && item.refusedField === "termin") markAppointment(form, true);
    if (form && item.refusedField === "zeit") markTime(form, true);
    var boxes = li.querySelectorAll(".refused");
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].getAttribute("data-key") === item.fields.schluessel) {
        refill(li, item);  // (shown again: what it refused may have changed)
        return;
      }
    }
    var box = document.createElement("div");
    box.className = "refused";
    box.setAttribute("data-key", item.fields.schluessel);
    if (item.fields.notiz) {
      var note = document.createElement("p");
      note.className = "note";
      note.textContent = "Notiz: " + item.fields.notiz;
      box.appendChild(note);
    }
    if (item.fields.termin_datum || item.fields.termin_zeit) {
      var appt = document.createElement("p");
      appt.textContent = "Termin: " + hausbesuchUnsent.momentDe(item.fields.termin_datum,
        item.fields.termin_zeit);
      box.appendChild(appt);
    }
    var drop = document.createElement("button");
    drop.type = "button"; drop.className = "danger"; drop.textContent = "Verwerfen";
    // which outcome of which stop (two refused outcomes are two buttons)
    drop.setAttribute("aria-label", "Verwerfen: " + item.label + " für " + kunde);
    drop.addEventListener("click", function () {
      save(load().filter(function (x) { return !sameKey(x, item); }));
      // the focused button goes with its box: the keyboard focus moves to the stop's
      // heading first (else it falls back to the top of a long page)
      var head = li.querySelector(".stop-head");
      if (head && box.contains(document.activeElement)) {
        head.setAttribute("tabindex", "-1");
        head.focus();
      }
      if (box.parentNode) box.parentNode.removeChild(box);
      show(kunde, "Verworfen: " + item.label + " (nicht gespeichert).", "");
      status();
    });
    box.appendChild(drop);
    var form = li.querySelector("form.outcome-form");
    // before the form, or before the control it is behind (an outcome stored already)
    var change = li.querySelector("details.change");
    var anchor = change || form;
    if (anchor) anchor.parentNode.insertBefore(box, anchor); else li.appendChild(box);
    refill(li, item);
  }
  // to correct the refused outcome ``item``: the note, the appointment and the visit time
  // are back in the form of its stop ``li`` (not for an outcome recorded otherwise: its
  // note is shown above, for the coordination)
  function refill(li, item) {
    var form = li.querySelector("form.outcome-form");
    var change = li.querySelector("details.change");
    if (form && !isKnown(item)) {
      if (change) change.open = true;
      var when = String(item.fields.zeit || "").slice(11);
      if (form.zeit && when) { form.zeit.value = when; form.zeit.setAttribute("data-gesetzt", ""); }
      if (!form.notiz.value) form.notiz.value = item.fields.notiz || "";
      if (!form.termin_datum.value) form.termin_datum.value = item.fields.termin_datum || "";
      if (!form.termin_zeit.value) form.termin_zeit.value = item.fields.termin_zeit || "";
      if (form.termin_datum.value || form.termin_zeit.value) showAppointment(form);
    }
  }
  // ``item`` is stored: the refused outcomes of its stop queued before it go (the later
  // tap replaced them; a refusal arriving after that tap, while ``item`` waited behind it,
  // is not undone by dropRefused), with their boxes and what they put back into the form
  function dropReplaced(item) {
    var kunde = item.fields.kundennummer, at = -1, gone = [];
    var q = load();
    q.forEach(function (x, i) { if (sameKey(x, item)) at = i; });
    q = q.filter(function (x, i) {
      var old = i < at && x.refused && x.fields.kundennummer === kunde;
      if (old) gone.push(x);
      return !old;
    });
    if (!gone.length) return;
    save(q);
    var li = stopEl(kunde); if (!li) return;
    var form = li.querySelector("form.outcome-form");
    gone.forEach(function (x) {
      Array.prototype.forEach.call(li.querySelectorAll(".refused"), function (b) {
        if (b.getAttribute("data-key") === x.fields.schluessel) b.parentNode.removeChild(b);
      });
      if (!form) return;
      ["notiz", "termin_datum", "termin_zeit"].forEach(function (name) {
        if (form[name] && x.fields[name] && form[name].value === x.fields[name]) {
          form[name].value = "";
        }
      });
      if (x.refusedField === "termin") markAppointment(form, false);
      if (x.refusedField === "zeit") markTime(form, false);
    });
  }
  // recorded again at the stop: the refused outcomes there are replaced
  function dropRefused(kunde) {
    save(load().filter(function (x) { return !(x.refused && x.fields.kundennummer === kunde); }));
    var li = stopEl(kunde); if (!li) return;
    Array.prototype.forEach.call(li.querySelectorAll(".refused"), function (b) {
      b.parentNode.removeChild(b);
    });
  }

  // a recorded outcome is changed by the coordination only (the server's rule)
  var CORRECTION_RULE = CHANGE_HINT;
  // was ``label`` (the outcome the server has recorded for the stop of ``item``) sent from
  // this phone: remembered as sent, or the outcome ``item`` replaced after its sending
  // failed (its answer may have been lost on the way back)
  function ownOutcome(item, label) {
    var kunde = item.fields.kundennummer;
    return item.replaces === label || sentList().some(function (x) {
      return x.kundennummer === kunde && x.label === label;
    });
  }
  // the outcome ``item`` could not be sent (no signal): a correction of the same stop
  // tapped while it was on its way replaces it, as it replaces one still waiting (the
  // last tap is what the worker means); its note goes with it when the correction has none
  function supersede(item) {
    var q = load(), at = -1, later = null;
    q.forEach(function (x, i) {
      if (sameKey(x, item)) at = i;
      else if (at >= 0 && !later && waiting(x) &&
               x.fields.kundennummer === item.fields.kundennummer) later = x;
    });
    if (at < 0 || !later) return;
    var first = q[at];
    if (!later.fields.notiz && first.fields.notiz) later.fields.notiz = first.fields.notiz;
    later.replaces = first.label;
    q = q.filter(function (x) { return x !== first && !sameKey(x, later); });
    q.splice(at, 0, later);
    save(q);
    show(item.fields.kundennummer, "Geändert: " + later.label + " statt „" + first.label +
      "“ (" + later.fields.zeit.slice(11) + " Uhr), wird gesendet, sobald Netz da ist." +
      (later.fields.notiz && later.fields.notiz === first.fields.notiz
        ? " Notiz bleibt erhalten." : ""), "pending");
    showQueuedNote(item.fields.kundennummer);
  }

  function flush() {
    if (sending) return;
    var q = load().filter(function (x) { return !x.blocked && !x.refused; });
    if (!q.length) { status(); return; }
    sending = true;
    var item = q[0];
    sendingKey = item.fields.schluessel;
    showQueuedNote(item.fields.kundennummer);  // its note is on its way: no „Notiz löschen“
    var form = new URLSearchParams();
    Object.keys(item.fields).forEach(function (k) { form.append(k, item.fields[k]); });
    fetch(endpoint, {
      method: "POST", body: form, credentials: "omit",
      headers: { "X-CSRF-Token": csrf, "Accept": "application/json" }
    }).then(function (resp) {
      answered[item.fields.kundennummer] = checkCount;  // (see recordedElsewhere)
      return resp.json().catch(function () { return {}; }).then(function (data) {
        if (resp.status === 410 || resp.status === 404) {
          // link expired or revoked, or the visit moved: keep the outcome on the phone
          save(load().map(function (x) {
            if (x.fields.schluessel === item.fields.schluessel) x.blocked = true;
            return x;
          }));
          show(item.fields.kundennummer, "Nicht gesendet: " + (data.fehler || "Link ungültig") +
            " Das Ergebnis bleibt auf diesem Telefon; bitte der Koordination melden.", "pending",
            true);
          // 410: the link is gone; 404: the link, or only this visit (moved by a re-plan)
          if (resp.status === 410) closedBy(resp); else checkLink();
          sending = false; sendingKey = null; status(); flush();
          return;
        }
        if (resp.ok) {
          dropReplaced(item);
          save(load().filter(function (x) { return !sameKey(x, item); }));
          // a note of the server (an appointment no route holds yet) follows the line
          // "statt": the phone's own outcome it replaced (within the minutes it may)
          // (a sentence of its own when one follows: „…, 10:00 Uhr. Termin übermittelt; …“)
          show(item.fields.kundennummer, (data.statt ? "Geändert: " + item.label + " statt „" +
            data.statt + "“" : "Übermittelt: " + item.label) +
            " (" + item.fields.zeit.slice(11) + " Uhr)" + appointmentEcho(item.fields, data) +
            (data.statt ? ", übermittelt" : "") +
            (data.statt || data.notiz_bleibt || data.hinweis ? "." : "") +
            (data.notiz_bleibt ? " Notiz bleibt erhalten." : "") +
            (data.hinweis ? " " + data.hinweis : ""), "done");
          doneHead(item.fields.kundennummer, item.fields.zeit.slice(11), item.label);
          remember(item, data);
          collapse(item.fields.kundennummer, data.aendern_s, data.aendern_hinweis);
          showQueuedNote(item.fields.kundennummer);
        } else if (resp.status >= 400 && resp.status < 500 && resp.status !== 408 && resp.status !== 429) {
          // refused (e.g. an appointment the teams cannot keep, already recorded): not sent
          // again by itself, but kept with its note until corrected or discarded
          var reason = data.fehler || ("Fehler " + resp.status + ".");
          var field = data.feld || null;  // e.g. "termin": an appointment the teams cannot keep
          // recorded already, and it is what this phone sent for the stop (a correction
          // tapped while the first was on its way, or after): not a colleague's outcome
          var other = false;  // recorded by the pair's other phone (the same link)
          if (field === "erfasst" && data.erfasst && ownOutcome(item, data.erfasst)) {
            reason = "Gespeichert ist „" + data.erfasst + "“ (von diesem Telefon gesendet). " +
              CORRECTION_RULE;
          } else if (field === "erfasst" && data.erfasst && data.erfasst_link) {
            // not a change of this phone's: the colleague was first (QA 28 F21)
            other = true;
            reason = OTHER_PHONE + ": „" + data.erfasst + "“" +
              (data.erfasst_zeit ? " (" + data.erfasst_zeit + " Uhr)" : "") + ". " +
              OTHER_PHONE_TODO;
          }
          save(load().map(function (x) {
            if (sameKey(x, item)) { x.refused = reason; x.refusedField = field; x.other = other; }
            return x;
          }));
          item.refused = reason;
          item.refusedField = field;
          item.other = other;
          showRefused(item);
        } else {
          throw new Error("server " + resp.status);
        }
        sending = false; sendingKey = null; status(); flush();
      });
    }).catch(function () {
      sending = false; sendingKey = null;
      supersede(item);
      showQueuedNote(item.fields.kundennummer);  // waiting again: its note may be deleted
      status();
    });
  }

  // before the team-day the server refuses outcomes: say so before anything is queued
  // ("today" is the server's: serverDay)
  function early() { return serverDay() < day; }
  // minutes a visit time may lie ahead of the phone's time of day on the visit day
  // (serverDay; the server's VISIT_TIME_AHEAD_MIN; a page without it leaves the check to
  // the server)
  var aheadAttr = body.getAttribute("data-voraus");
  var AHEAD_MIN = aheadAttr === null || aheadAttr === "" ? null : Number(aheadAttr);
  var IMPLICIT = "keine-auswahl";  // the value of the form's default button (Enter)
  var ahead = Number(body.getAttribute("data-appointment-ahead")) || 92;
  // the appointment's day as ISO: the date picker's value, or a German day typed on a
  // phone without a picker (31.12.2026, 1.2.2027); "" for a text the phone cannot read
  // (sent as typed: the server reads more forms and names what is wrong)
  function isoDay(text) {
    var t = String(text || "").trim();
    if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return t;
    var m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(t);
    if (!m) return "";
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return m[3] + "-" + pad(+m[2]) + "-" + pad(+m[1]);
  }
  function realDay(iso) {  // 31.02. is no day
    var d = new Date(Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)));
    return d.toISOString().slice(0, 10) === iso;
  }
  // the server's rules on the appointment's day that the phone can check before queueing
  // (``typed``: the field as typed; a text it cannot read is left to the server)
  // the teams' shift per weekday (0 Monday: [first start, last end] in minutes; the
  // server's rule of appointment_past_shift) and the SAME_DAY message (pages_worker)
  var SHIFTS = {};
  try { SHIFTS = JSON.parse(body.getAttribute("data-schichten") || "{}") || {}; } catch (e) { SHIFTS = {}; }
  // the short working days ahead (ISO day: minute the work ends; [casework] short_days):
  // their end ends every shift, as on the server (QA 41 F6)
  var SHORT = {};
  try { SHORT = JSON.parse(body.getAttribute("data-kurztage") || "{}") || {}; } catch (e) { SHORT = {}; }
  var SAME_DAY = body.getAttribute("data-termin-heute") || "";
  function hhmm(m) { return (m < 600 ? "0" : "") + Math.floor(m / 60) + ":" + (m % 60 < 10 ? "0" : "") + (m % 60); }
  // an appointment whose visit (``minutes``, the stop's Besuchsdauer) ends after the
  // teams' shift that day: refused before anything is queued, with the latest start (QA
  // 28 F1; the server refuses it too, in the same words). A start outside the hours is
  // left to the server (it names the hours).
  // ``way``: the stop's way back as the stored plan has it (stored with the stop since
  // session 38, else as its route's times tell it), per weekday [latest end of
  // the visit, way back in minutes, that team's shift end, exact] (QA 37 #1: the planner
  // counts the way back; the server's casework past_shift_refusal, in its words)
  function pastShift(iso, timeText, minutes, way) {
    var m = /^(\d{1,2}):(\d{2})/.exec(String(timeText || "").trim());
    if (!m || !(minutes > 0)) return "";
    var wd = (new Date(Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10))).getUTCDay() + 6) % 7;
    var hours = SHIFTS[String(wd)];
    if (!hours) return "";
    var start = +m[1] * 60 + +m[2], first = hours[0], last = hours[1];
    var back = way && way[String(wd)];
    // a start outside the weekday's hours is left to the server; a short day ends them
    if (start <= first || start >= last) return "";
    var cut = SHORT[iso];
    if (typeof cut === "number" && cut < last) {
      last = cut;
      if (back && cut < back[2]) back = [back[0] - (back[2] - cut), back[1], cut, back[3]];
    }
    var limit = back ? back[0] : last;
    if (start + minutes <= limit) return "";
    // (the moment as the server writes it: fields.format_moment, „Do, 10.12.2026, 15:45 Uhr“)
    var when = "Termin " + hausbesuchUnsent.momentDe(iso, hhmm(start)) + ": der Besuch (" +
      minutes + " Min.) ";
    var head = when + "endet nach Schichtende " + hhmm(last) + " Uhr; ", latest = last - minutes;
    if (back) {
      head = when + "und der Rückweg (" + (back[3] ? "" : "mindestens ") + back[1] +
        " Min.) enden erst um " + hhmm(start + minutes + back[1]) + " Uhr, nach Schichtende " +
        hhmm(back[2]) + " Uhr; ";
      latest = back[0] - minutes;
    }
    if (latest <= first) {
      return head + "an diesem Tag passt er in keine Schicht. Bitte einen anderen Tag " +
        "vereinbaren oder die Koordination anrufen.";
    }
    if (back && !back[3]) {
      return head + "bitte früher vereinbaren, spätestens " + hhmm(latest) + " Uhr (der " +
        "Rückweg kann länger sein).";
    }
    return head + "bitte spätestens " + hhmm(latest) + " Uhr vereinbaren.";
  }
  function wayBack(f) {  // the form's data-rueckweg (none: the way back is not known)
    try { return JSON.parse(f.getAttribute("data-rueckweg") || "null"); } catch (e) { return null; }
  }
  function appointmentProblem(typed, timeText, minutes, way) {
    if (!String(typed || "").trim()) return "Bitte ein Datum des Termins angeben.";
    var iso = isoDay(typed);
    if (!iso) return "";
    if (!realDay(iso)) {
      return "Termin am: „" + String(typed).trim() + "“ ist kein gültiges Datum " +
        "(z. B. 31.12.2026).";
    }
    // today's appointment: only the coordination can pin a visit for later today (QA 28 F7)
    if (iso === day && SAME_DAY) return SAME_DAY;
    // (in the server's words: casework.service, „Termin Do, 10.12.2026, 11:00 Uhr liegt …“)
    var when = "Termin " + hausbesuchUnsent.momentDe(iso, timeText);
    if (iso <= day) {
      return when + " liegt nicht nach dem Besuchstag " + hausbesuchUnsent.momentDe(day) + ".";
    }
    var diff = (Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)) -
      Date.UTC(+day.slice(0, 4), +day.slice(5, 7) - 1, +day.slice(8, 10))) / 86400000;
    if (diff > ahead) {
      return when + " liegt mehr als " + ahead + " Tage nach dem Besuch am " +
        hausbesuchUnsent.momentDe(day) + " (Jahr vertippt?).";
    }
    return pastShift(iso, timeText, minutes, way);
  }
  // before the day the outcome buttons look and say unavailable (aria-disabled, greyed),
  // described by the reason beside them; on the day (a page kept open overnight, a copy
  // from the cache) they are available again. A tap before the day is refused below.
  function markEarly() {
    var before = early();
    var vorab = document.getElementById("vorab");
    if (vorab) vorab.hidden = !before;
    Array.prototype.forEach.call(document.querySelectorAll("form.outcome-form"), function (f) {
      var li = f.closest("li.stop");
      var why = li && li.querySelector(".vorab-grund");
      if (why) why.hidden = !before;
      f.hidden = before;  // folded before the day: the line says when (QA 28 F17)
      Array.prototype.forEach.call(f.querySelectorAll("button[name=ergebnis]"), function (b) {
        if (b.classList.contains("default-submit")) return;
        if (before) {
          b.setAttribute("aria-disabled", "true");
          if (why && why.id) b.setAttribute("aria-describedby", why.id);
        } else {
          b.removeAttribute("aria-disabled");
          b.removeAttribute("aria-describedby");
        }
      });
    });
  }
  // before the day, the check every minute: the day may begin while the page is open
  // (also when it became "before the day" only later, at the end of an exercise: review
  // 24 #9); one timer, started once
  var earlyTimer = null;
  function watchEarly() {
    if (!earlyTimer && early()) earlyTimer = setInterval(markEarly, LINK_CHECK_MS);
  }
  markEarly();
  watchEarly();

  document.querySelectorAll("form.outcome-form").forEach(function (f) {
    // the button that sent the form: SubmitEvent.submitter is missing in older browsers
    // (Safari before 15.4), so the click on a button is remembered as well
    var clicked = null;
    Array.prototype.forEach.call(f.querySelectorAll("button[name=ergebnis]"), function (b) {
      b.addEventListener("click", function () {
        clicked = b;  // the submit event follows at once; a click that sent nothing is forgotten
        setTimeout(function () { if (clicked === b) clicked = null; }, 0);
      });
    });
    if (f.zeit) {
      f.zeit.addEventListener("input", function () {
        f.zeit.setAttribute("data-gesetzt", "");
        f.zeit.setAttribute("data-getippt", "");
        var label = f.zeit.closest("label"), hint = label && label.nextElementSibling;
        if (hint && hint.classList.contains("zeit-hinweis")) timeHint(f.zeit, hint, false);
      });
    }
    // what is typed stays on the phone until it is tapped (drafts, QA 28 F5)
    f.addEventListener("input", function () { keepDraft(f); });
    f.addEventListener("change", function () { keepDraft(f); });
    f.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = ev.submitter || clicked;
      clicked = null;
      if (!button || button.name !== "ergebnis") return;
      var result = button.value;
      if (result === IMPLICIT) {  // Enter in a field: no button was chosen
        show(f.kundennummer.value, "Kein Ergebnis gewählt: bitte eine der Schaltflächen " +
          "antippen.", "");
        return;
      }
      if (early()) {
        show(f.kundennummer.value, "Noch nicht gespeichert: Ergebnisse können ab dem " +
          "Besuchstag erfasst werden.", "");
        return;
      }
      // „Termin vereinbart“: its date and time come into view, whatever else is missing
      if (result === "termin_vereinbart") showAppointment(f);
      markAppointment(f, false);
      markTime(f, false);
      // a copy of the page from before the time field (its "zeit" hidden and empty): the
      // time of the tap, as that page sent it
      var legacy = !f.zeit || f.zeit.type === "hidden";
      if (!legacy) autoTime(f.zeit);  // the moment of the tap decides, not the page's load
      var nowD = new Date();
      var visit = legacy ? nowD.getHours() * 60 + nowD.getMinutes() : minutes(f.zeit.value);
      if (visit < 0) {
        show(f.kundennummer.value, "Bitte die Uhrzeit des Besuchs angeben (z. B. 09:30).", "");
        markTime(f, true);
        f.zeit.focus();
        return;
      }
      if (AHEAD_MIN !== null && serverDay() === day &&
          visit > nowD.getHours() * 60 + nowD.getMinutes() + AHEAD_MIN) {
        show(f.kundennummer.value, "Uhrzeit des Besuchs: " + f.zeit.value + " Uhr liegt in " +
          "der Zukunft. Bitte die Uhrzeit angeben, zu der der Besuch war.", "");
        markTime(f, true);
        f.zeit.focus();
        return;
      }
      if (result === "termin_vereinbart" && (!f.termin_datum.value || !f.termin_zeit.value)) {
        show(f.kundennummer.value, "Bitte Datum und Uhrzeit des Termins angeben.", "");
        markAppointment(f, true);
        (f.termin_datum.value ? f.termin_zeit : f.termin_datum).focus();
        return;
      }
      if (result !== "termin_vereinbart" && (f.termin_datum.value || f.termin_zeit.value)) {
        show(f.kundennummer.value, "Ein Termin ist eingetragen: bitte „Termin vereinbart“ " +
          "antippen oder die Felder des Termins leeren.", "");
        markAppointment(f, true);
        return;
      }
      var problem = result === "termin_vereinbart" && appointmentProblem(
        f.termin_datum.value, f.termin_zeit.value, Number(f.getAttribute("data-dauer")) || 0,
        wayBack(f));
      if (problem) {
        show(f.kundennummer.value, problem, "");
        markAppointment(f, true);
        f.termin_datum.focus();
        return;
      }
      dropRefused(f.kundennummer.value);
      var fields = {
        // the visit's day (the link's) and the time of the field: the visit time
        kundennummer: f.kundennummer.value, ergebnis: result,
        zeit: legacy ? serverDay() + localStamp(nowD).slice(10) : day + "T" + f.zeit.value,
        notiz: cleanNote(f.notiz.value), termin_datum: isoDay(f.termin_datum.value) ||
          f.termin_datum.value.trim(), termin_zeit: f.termin_zeit.value,
        schluessel: newKey(), csrf_token: csrf
      };
      var label = button.textContent.trim();
      // an outcome of this stop still waiting to be sent is replaced: the last tap is what
      // the worker means (a correction, or the same button twice), one outcome per stop
      // (QA 20b #3); its note stays when the new tap brings none
      var q = load(), before = null, at = -1;
      // this stop's outcome on its way to the server right now: the correction waits
      // for its answer (one outcome at a time goes out)
      var inflight = null;
      q.forEach(function (x) {
        if (x.fields.schluessel === sendingKey &&
            x.fields.kundennummer === fields.kundennummer) inflight = x;
      });
      q = q.filter(function (x, i) {
        var same = waiting(x) && x.fields.kundennummer === fields.kundennummer;
        if (same) { before = x; if (at < 0) at = i; }
        return !same;
      });
      if (before && !fields.notiz && before.fields.notiz) fields.notiz = before.fields.notiz;
      // the result this tap replaces on the server, if this phone stored it minutes ago
      // (the server corrects only that one: not one the coordination changed since, nor
      // one stored by another phone or tab; review 28b)
      var prior = "";
      if (inflight) prior = inflight.fields.ergebnis;
      else if (before) prior = before.fields.statt || "";
      else {
        sentList().forEach(function (x) {
          if (x.kundennummer === fields.kundennummer && x.ergebnis && x.bis > Date.now())
            prior = x.ergebnis;
        });
        var open = !prior && stopEl(fields.kundennummer);
        var change = open && open.querySelector("details.change[data-ergebnis]");
        if (change) prior = change.getAttribute("data-ergebnis");
      }
      if (prior) fields.statt = prior;
      var entry = { fields: fields, label: label };
      if (at < 0) q.push(entry); else q.splice(at, 0, entry);
      save(q);
      // (and the appointment agreed, as the line once sent says it: QA 31b)
      var when = " (" + fields.zeit.slice(11) + " Uhr)" + appointmentEcho(fields, null) + ", ";
      dropDraft(fields.kundennummer);  // queued: the draft has served
      // the note of the outcome it replaces stays when this tap brings none (README)
      var kept = before && before.fields.notiz && !cleanNote(f.notiz.value).trim()
        ? " Notiz bleibt erhalten." : "";
      if (inflight && inflight.label !== label) {
        // the first may be stored by now: the phone may still change it for a few minutes
        show(fields.kundennummer, "„" + inflight.label + "“ wird gerade gesendet; die " +
          "Korrektur „" + label + "“ folgt danach." + (inflight.fields.notiz &&
          !fields.notiz ? " Notiz bleibt erhalten." : ""), "pending");
      } else if (before && before.label !== label) {
        show(fields.kundennummer, "Geändert: " + label + " statt „" + before.label + "“" +
          when + (navigator.onLine ? "wird gesendet …"
            : "wird gesendet, sobald Netz da ist.") + kept, "pending");
      } else {  // as the banner: without signal it is sent later (QA 22 F6)
        show(fields.kundennummer, QUEUED + label + when + (navigator.onLine
          ? "wird gesendet …" : "wird gesendet, sobald Netz da ist."), "pending");
      }
      if (f.contains(document.activeElement)) confirmFocus(stopEl(fields.kundennummer));
      f.notiz.value = "";
      showQueuedNote(fields.kundennummer);
      // the time stays as it was sent: a correction of this stop keeps it
      if (!legacy) {
        f.zeit.setAttribute("data-gesetzt", "");
        f.zeit.removeAttribute("data-getippt");  // sent: nothing typed is lost on a reload
      }
      flush();
    });
  });

  // opened from the phone's copy, without signal, after the link's end (and the margin)
  if (!navigator.onLine && expiredNow()) {
    closeExpired();
    tidyOthers();
    return;
  }
  sentList().forEach(function (item) {  // sent since the copy of the page was made
    var li = stopEl(item.kundennummer);
    var st = li && li.querySelector("[data-state]");
    if (st && !st.textContent.trim()) {
      show(item.kundennummer, "Übermittelt: " + item.label + " (" +
        String(item.zeit || "").slice(11) + " Uhr)" + (item.termin || ""), "done");
      doneHead(item.kundennummer, String(item.zeit || "").slice(11), item.label);
      var left = item.bis ? Math.floor((item.bis - Date.now()) / 1000) : 0;
      collapse(item.kundennummer, left > 0 ? left : 0, item.hinweis);
    }
  });
  // a queue kept from before (QA 20b #3) may hold two waiting outcomes of one stop: the
  // last one is what the worker meant. The first of them may have reached the server
  // before the reload (its answer lost with the page): the kept one replaces it, as in
  // supersede(), so that a refusal naming it is told as this phone's own outcome; the
  // note of a dropped one goes with it when the kept one has none
  (function onePerStop() {
    var q = load(), last = {}, first = {}, note = {};
    q.forEach(function (x, i) {
      if (!waiting(x)) return;
      var k = x.fields.kundennummer;
      last[k] = i;
      if (!(k in first)) first[k] = x;
    });
    var kept = q.filter(function (x, i) {
      if (!waiting(x)) return true;
      var k = x.fields.kundennummer;
      if (last[k] !== i) {
        if (x.fields.notiz) note[k] = x.fields.notiz;
        return false;
      }
      if (first[k] !== x) {
        x.replaces = first[k].label;
        if (!x.fields.notiz && note[k]) x.fields.notiz = note[k];
      }
      return true;
    });
    if (kept.length !== q.length) save(kept);
  })();
  load().forEach(function (item) {
    if (item.refused) { showRefused(item); return; }
    var when = String(item.fields.zeit || "").slice(11);
    show(item.fields.kundennummer, QUEUED + item.label +
      (when ? " (" + when + " Uhr)" : "") + appointmentEcho(item.fields, null) +
      ", wartet auf Netz", "pending");
    // its visit time is back in the field: a correction of the stop keeps it
    var li = stopEl(item.fields.kundennummer);
    var input = li && li.querySelector("form.outcome-form input[name=zeit]");
    if (input && input.type !== "hidden" && minutes(when) >= 0) {
      input.value = when;
      input.setAttribute("data-gesetzt", "");
    }
    showQueuedNote(item.fields.kundennummer);
  });
  showEndedDrafts(dropEndedDrafts());
  restoreDrafts();
  foldAppointments();
  markNext();
  // the page's own controls of outcomes this phone may still change: closed when the
  // minutes are over (the server's count at the page's making)
  // The server counts an outcome sent through this link as the phone's own; the pair's
  // other phone may have opened the same link: only an outcome this phone remembers as
  // sent is its to change (QA 28 F21; the server replaces only the result named)
  Array.prototype.forEach.call(document.querySelectorAll("details.change[data-aendern-s]"),
    function (box) {
      var li = box.closest("li.stop");
      var hint = box.querySelector("p.hint");
      if (!li) return;
      var kunde = li.getAttribute("data-kunde"), result = box.getAttribute("data-ergebnis");
      var mine = sentList().some(function (x) {
        return x.kundennummer === kunde && (!x.ergebnis || x.ergebnis === result);
      });
      if (!mine) {
        box.removeAttribute("data-ergebnis");
        changeControl(li, box, 0, "");
        return;
      }
      changeControl(li, box, Number(box.getAttribute("data-aendern-s")) || 0,
                    hint ? hint.textContent : "");
    });
  autoTimes();
  // back online: send what waits, and ask at once whether the link still holds (a copy
  // opened without signal after its link ended or was revoked: QA 46c F6)
  window.addEventListener("online", function () { status(); flush(); checkLink(); });
  window.addEventListener("offline", status);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      autoTimes();
      checkLink();  // (also for the link's end: the server decides, see checkEnd)
    }
  });
  setInterval(function () {
    if (!navigator.onLine && expiredNow()) { closeExpired(); return; }
    warnEnd();
    autoTimes();
    flush();
  }, 10000);
  // revoked while the page is open and in view (a lost phone): noticed within a minute
  setInterval(function () {
    if (document.visibilityState === "visible") checkLink();
  }, LINK_CHECK_MS);
  status();
  warnEnd();
  flush();
  tidyOthers();
  checkEnd();  // past the link's end by the phone's clock: the server is asked first

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("sw.js").catch(function () { /* page works without */ });
  }
})();
