// The exam attempt page: save each answer as it changes (PUT to the card's save URL), keep unsent answers in
// localStorage and send them again (a dropped connection loses nothing), and count down to the server's deadline.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });
  var form = document.getElementById("attempt-form");
  if (!form) { return; }
  var key = "ql-attempt-" + form.dataset.attempt;
  var csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  var pending = {};
  try { pending = JSON.parse(localStorage.getItem(key) || "{}"); } catch (e) { pending = {}; }
  var closed = false;

  function keep() { try { localStorage.setItem(key, JSON.stringify(pending)); } catch (e) { /* private mode */ } }

  function responseOf(card) {
    var type = card.dataset.type;
    if (type === "single" || type === "multiple" || type === "judge") {
      var chosen = Array.prototype.map.call(card.querySelectorAll("input:checked"), function (i) { return i.value; });
      if (type === "judge") { return chosen.length ? [chosen[0] === "true"] : null; }
      return chosen.length ? chosen : null;
    }
    if (type === "fill") {
      var blanks = Array.prototype.map.call(card.querySelectorAll("input[type=text]"), function (i) { return i.value; });
      return blanks.some(function (b) { return b.trim(); }) ? blanks : null;
    }
    var text = card.querySelector("textarea").value;
    return text.trim() ? text : null;
  }

  function status(card, text, level) {
    var el = card.querySelector("[data-status]");
    if (el) { el.textContent = text; el.className = "small text-" + level; }
  }

  function send(itemId) {
    if (closed || !(itemId in pending)) { return; }
    var card = form.querySelector('[data-item="' + itemId + '"]');
    var body = JSON.stringify({ response: pending[itemId] });
    fetch(card.dataset.saveUrl, {
      method: "PUT", credentials: "same-origin", body: body,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }
    }).then(function (r) {
      if (r.ok) {
        if (JSON.stringify({ response: pending[itemId] }) === body) { delete pending[itemId]; keep(); }
        status(card, form.dataset.savedText, "success");
        return;
      }
      return r.json().then(function (data) {
        status(card, data.error || form.dataset.errorText, "danger");
        if (data.closed) { closed = true; delete pending[itemId]; keep(); window.location.reload(); }
      });
    }).catch(function () { status(card, form.dataset.offlineText, "warning"); });
  }

  function changed(event) {
    var card = event.target.closest("[data-item]");
    if (!card) { return; }
    pending[card.dataset.item] = responseOf(card);
    keep();
    status(card, form.dataset.savingText, "muted");
    clearTimeout(card._timer);
    card._timer = setTimeout(function () { send(card.dataset.item); }, event.type === "input" ? 800 : 0);
  }
  form.addEventListener("change", changed);
  form.addEventListener("input", changed);

  function resendAll() { Object.keys(pending).forEach(send); }
  window.addEventListener("online", resendAll);
  setInterval(resendAll, 10000);
  resendAll();

  form.addEventListener("submit", function () { closed = true; localStorage.removeItem(key); });

  var clock = document.getElementById("attempt-clock");
  var end = Date.now() + parseInt(form.dataset.secondsLeft, 10) * 1000;
  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    clock.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    if (left <= 60) { clock.classList.add("text-danger"); }
    if (left === 0 && !closed) { closed = true; resendAll(); setTimeout(function () { form.submit(); }, 1500); return; }
    setTimeout(tick, 1000);
  }
  tick();
})();
