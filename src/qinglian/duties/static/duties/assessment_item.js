// The item form shows only the parameters its scoring rule reads (all of them without script).
(function () {
  "use strict";
  var rule = document.getElementById("id_rule");
  if (!rule) return;
  function show() {
    document.querySelectorAll("#item-form [data-rules]").forEach(function (box) {
      box.hidden = box.getAttribute("data-rules").split(" ").indexOf(rule.value) < 0;
    });
  }
  rule.addEventListener("change", show);
  show();
})();
