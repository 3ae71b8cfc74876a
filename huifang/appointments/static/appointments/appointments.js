// Booking forms: Ctrl+Enter books, arrow keys move between the free slots (radio buttons do that natively
// once one has focus, so the first free slot gets the focus when the page opens).
(function () {
  var form = document.getElementById("booking-form");
  if (!form) return;
  var first = form.querySelector("input[name=slot]:checked") || form.querySelector("input[name=slot]:not([disabled])");
  if (first) first.focus();
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
})();
