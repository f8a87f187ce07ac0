// The minutes form's agenda items: add and remove rows without a round trip.
// Without script the "Add an item" button posts the form and the server adds a row.
(function () {
  "use strict";
  var list = document.getElementById("minutes-items");
  var template = document.getElementById("minutes-item-template");
  if (!list || !template) { return; }
  var next = parseInt(list.dataset.next || "0", 10);

  function renumber() {
    var rows = list.querySelectorAll("[data-item]");
    rows.forEach(function (row, i) {
      row.querySelector("[data-item-number]").textContent = String(i + 1);
      row.querySelector("[data-remove-item]").hidden = rows.length < 2;
    });
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-item]");
    if (add) {
      event.preventDefault();
      var html = template.innerHTML.replace(/__n__/g, String(next));
      next += 1;
      list.insertAdjacentHTML("beforeend", html);
      renumber();
      var rows = list.querySelectorAll("[data-item]");
      var title = rows[rows.length - 1].querySelector("input");
      if (title) { title.focus(); }
      return;
    }
    var remove = event.target.closest("[data-remove-item]");
    if (remove) {
      event.preventDefault();
      remove.closest("[data-item]").remove();
      renumber();
      var first = list.querySelector("[data-item] input");
      if (first) { first.focus(); }
    }
  });
  document.querySelectorAll("[data-add-item]").forEach(function (button) { button.hidden = false; });
  renumber();
})();
