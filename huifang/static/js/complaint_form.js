// The sub-reason list shows only the chosen category's reasons (and the chosen store's).
(function () {
  "use strict";
  var cats = JSON.parse(document.getElementById("reason-cats").textContent);
  var category = document.getElementById("id_category"), reason = document.getElementById("id_reason");
  if (!category || !reason) { return; }
  function filter() {
    Array.prototype.forEach.call(reason.options, function (opt) {
      if (!opt.value) { return; }
      opt.hidden = cats[opt.value] !== category.value;
      if (opt.hidden && opt.selected) { reason.value = ""; }
    });
  }
  category.addEventListener("change", filter);
  filter();
})();
