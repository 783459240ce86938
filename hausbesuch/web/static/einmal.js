// Forms marked data-einmal (starting a plan): once sent, their submit button is disabled,
// so a double click does not send the form twice. Only a help: the server refuses a second
// plan job of the same days itself. Back in the browser's history the button works again.
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-einmal]");
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("submit", function () {
      // after this event: a button disabled now would not be sent with the form
      setTimeout(function () {
        Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"),
          function (b) { b.disabled = true; b.setAttribute("aria-disabled", "true"); });
      }, 0);
    });
  });
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(forms, function (form) {
      Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"),
        function (b) { b.disabled = false; b.removeAttribute("aria-disabled"); });
    });
  });
})();
