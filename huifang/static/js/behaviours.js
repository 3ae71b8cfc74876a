// Small page behaviours wired by data-* attributes, so the pages need no inline handlers and
// run under the content security policy (script-src 'self', no 'unsafe-inline'). Delegated on
// document, so rows swapped in by htmx work too.
(function () {
  "use strict";

  // <select data-navigate>: choosing an option opens its value (a URL).
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select instanceof HTMLSelectElement && select.hasAttribute("data-navigate") && select.value) {
      window.location = select.value;
    }
  });

  document.addEventListener("click", function (event) {
    var el = event.target instanceof Element ? event.target : null;
    if (!el) { return; }
    // <input type=checkbox data-check-all="css selector">: ticks or unticks every matching box.
    if (el.matches("input[type=checkbox][data-check-all]")) {
      document.querySelectorAll(el.getAttribute("data-check-all")).forEach(function (box) { box.checked = el.checked; });
      return;
    }
    // <button data-toggle="element id">: shows or hides that element.
    var toggle = el.closest("[data-toggle]");
    if (toggle) {
      var target = document.getElementById(toggle.getAttribute("data-toggle"));
      if (target) { target.hidden = !target.hidden; }
      return;
    }
    // <button data-print>: opens the browser's print dialog.
    if (el.closest("[data-print]")) { window.print(); }
  });
})();

// <button data-copy="#input" data-copied="Copied">: copies the input's text to the clipboard (a survey link).
// v (outside a text box): reveals the first masked phone number on the page, as its 显示 button does.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-copy]") : null;
    if (!button) { return; }
    var input = document.querySelector(button.getAttribute("data-copy"));
    if (!input) { return; }
    var done = function () {
      var label = button.textContent;
      button.textContent = button.getAttribute("data-copied") || label;
      window.setTimeout(function () { button.textContent = label; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done);
    } else {
      input.select();
      document.execCommand("copy");
      done();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.key !== "v" || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target instanceof HTMLElement && (target.matches("input, textarea, select") || target.isContentEditable)) { return; }
    var reveal = document.querySelector("button.reveal");
    if (reveal) {
      event.preventDefault();
      reveal.click();
    }
  });
})();
