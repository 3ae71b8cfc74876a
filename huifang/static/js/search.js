// Keyboard-first customer search: "/" focuses the box, ↑/↓ move the selection, Enter opens the customer.
// On the search page the box is the page's own; on every other page "/" opens the top bar's box in the
// same keystroke (no page load), so the keys typed right after "/" all land in it.
(function () {
  "use strict";

  function pageBox() { return document.getElementById("customer-q"); }
  function quickForm() { return document.getElementById("quick-search"); }
  function quickBox() { return document.getElementById("quick-q"); }
  function resultsOf(input) {
    return document.getElementById(input === quickBox() ? "quick-results" : "search-results");
  }
  function rows(input) {
    var holder = resultsOf(input);
    return holder ? Array.prototype.slice.call(holder.querySelectorAll("tbody tr[data-href]")) : [];
  }
  function selectedIndex(list) { return list.findIndex(function (r) { return r.classList.contains("selected"); }); }

  function select(list, index) {
    list.forEach(function (r, i) {
      r.classList.toggle("selected", i === index);
      r.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (list[index]) { list[index].scrollIntoView({ block: "nearest" }); }
  }

  function openQuick() {
    var form = quickForm();
    if (!form) { return null; }
    form.hidden = false;
    var input = quickBox();
    input.focus();
    input.select();
    return input;
  }

  function closeQuick() {
    var form = quickForm();
    if (!form) { return; }
    form.hidden = true;
    quickBox().value = "";
    document.getElementById("quick-results").innerHTML = "";
  }

  document.addEventListener("keydown", function (event) {
    var typing = event.target instanceof HTMLElement &&
      (event.target.matches("input, textarea, select") || event.target.isContentEditable);
    var input = pageBox();
    var quick = quickBox();
    var inSearchBox = event.target === input || (quick && event.target === quick);
    // No name, phone, plate or VIN contains "/", so it means "search" even inside a search box.
    if (event.key === "/" && (!typing || inSearchBox) && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      if (input) {
        input.focus();
        input.select();
      } else {
        openQuick();
      }
      return;
    }
    if (!inSearchBox) {
      if (!typing && input && (event.key === "ArrowDown" || event.key === "ArrowUp" || event.key === "Enter")) {
        // On the search page the arrows work from anywhere but a form field.
        inSearchBox = true;
      } else {
        return;
      }
    }
    var box = event.target === quick ? quick : input;
    if (box === quick && event.key === "Escape") {
      event.preventDefault();
      closeQuick();
      return;
    }
    var list = rows(box);
    var i = selectedIndex(list);
    if (event.key === "ArrowDown" && list.length) {
      event.preventDefault();
      select(list, Math.min(i + 1, list.length - 1));
    } else if (event.key === "ArrowUp" && list.length) {
      event.preventDefault();
      select(list, Math.max(i - 1, 0));
    } else if (event.key === "Enter" && event.target === box) {
      if (!list.length) { return; } // results not there yet: the form goes to the search page with the text
      event.preventDefault();
      window.location.href = list[i < 0 ? 0 : i].dataset.href;
    }
  });

  // A click anywhere on a result row opens the customer, not just on the name.
  document.addEventListener("click", function (event) {
    var row = event.target instanceof Element && event.target.closest("#search-results tr[data-href], #quick-results tr[data-href]");
    if (row && !event.target.closest("a")) { window.location.href = row.dataset.href; }
    // A click outside the top bar's box closes it.
    var form = quickForm();
    if (form && !form.hidden && event.target instanceof Element && !event.target.closest("#quick-search")) { closeQuick(); }
  });
})();
