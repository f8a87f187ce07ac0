// The member checkbox list of a study session: filter by name, tick or clear the names shown.
(function () {
  document.querySelectorAll("[data-ql-people]").forEach(function (box) {
    var rows = box.querySelectorAll("[data-ql-name]");
    var visible = function () {
      return Array.prototype.filter.call(rows, function (r) { return !r.classList.contains("d-none"); });
    };
    var tick = function (on) { visible().forEach(function (r) { r.querySelector("input").checked = on; }); };
    box.querySelector("[data-ql-people-filter]").addEventListener("input", function (e) {
      var q = e.target.value.trim();
      rows.forEach(function (r) { r.classList.toggle("d-none", q !== "" && r.dataset.qlName.indexOf(q) < 0); });
    });
    box.querySelector("[data-ql-people-all]").addEventListener("click", function () { tick(true); });
    box.querySelector("[data-ql-people-none]").addEventListener("click", function () { tick(false); });
  });
})();
