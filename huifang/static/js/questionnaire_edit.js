(function () {
  var table = document.querySelector(".wb-questions"), out = document.getElementById("wb-weight-sum");
  function sum() {
    var total = 0;
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var w = row.querySelector("input[name$=-weight]"), del = row.querySelector("input[name$=-DELETE]");
      if (w && w.value && !(del && del.checked)) total += parseFloat(w.value) || 0;
    });
    out.textContent = total.toFixed(2).replace(/\.00$/, "");
    out.className = "wb-sum " + (Math.abs(total - 100) < 0.005 ? "ok" : "bad");
  }
  table.addEventListener("input", sum); table.addEventListener("change", sum); sum();
})();
