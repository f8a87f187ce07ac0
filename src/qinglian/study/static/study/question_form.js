// The question form shows only what the chosen type uses: options and letters for choices, true/false,
// blanks, or a reference answer. Without JavaScript every section stays visible and the server ignores the rest.
(function () {
  var select = document.getElementById("id_qtype");
  if (!select) return;
  function update() {
    var type = select.value;
    document.querySelectorAll("[data-types]").forEach(function (section) {
      var shown = section.getAttribute("data-types").split(" ").indexOf(type) !== -1;
      section.hidden = !shown;
    });
  }
  select.addEventListener("change", update);
  update();
})();
