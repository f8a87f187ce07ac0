// Page behaviour that needs no inline script (the CSP forbids inline scripts without a nonce).
(function () {
  "use strict";
  // Selects marked data-autosubmit submit their form on change; the button stays for no-JS use.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]")) {
      if (el.form.requestSubmit) { el.form.requestSubmit(); } else { el.form.submit(); }
    }
  });
  // Move focus to the main region after an htmx swap of it, for keyboard and screen-reader users.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "main") { event.detail.target.focus(); }
  });
  // Buttons with data-confirm ask before submitting.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
})();
