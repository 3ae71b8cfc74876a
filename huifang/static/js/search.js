// Keyboard-first customer search: "/" focuses the box, ↑/↓ move the selection, Enter opens the customer.
(function () {
  "use strict";

  function box() { return document.getElementById("customer-q"); }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#search-results tbody tr[data-href]")); }
  function selectedIndex(list) { return list.findIndex(function (r) { return r.classList.contains("selected"); }); }

  function select(list, index) {
    list.forEach(function (r, i) {
      r.classList.toggle("selected", i === index);
      r.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (list[index]) { list[index].scrollIntoView({ block: "nearest" }); }
  }

  document.addEventListener("keydown", function (event) {
    var input = box();
    var typing = event.target instanceof HTMLElement &&
      (event.target.matches("input, textarea, select") || event.target.isContentEditable);
    if (!input) {
      // Elsewhere "/" goes to the customer search (the nav link carries its address).
      var link = document.querySelector(".mainnav a[accesskey='s']");
      if (event.key === "/" && !typing && link && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        window.location.href = link.href;
      }
      return;
    }
    // No name, phone, plate or VIN contains "/", so it means "search" even inside the search box.
    if (event.key === "/" && (!typing || event.target === input)) {
      event.preventDefault();
      input.focus();
      input.select();
      return;
    }
    if (event.target !== input && typing) { return; }
    var list = rows();
    if (!list.length) { return; }
    var i = selectedIndex(list);
    if (event.key === "ArrowDown") {
      event.preventDefault();
      select(list, Math.min(i + 1, list.length - 1));
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      select(list, Math.max(i - 1, 0));
    } else if (event.key === "Enter" && event.target === input) {
      event.preventDefault();
      window.location.href = list[i < 0 ? 0 : i].dataset.href;
    }
  });

  // A click anywhere on a result row opens the customer, not just on the name.
  document.addEventListener("click", function (event) {
    var row = event.target instanceof Element && event.target.closest("#search-results tr[data-href]");
    if (row && !event.target.closest("a")) { window.location.href = row.dataset.href; }
  });
})();
