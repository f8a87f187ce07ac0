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

  // Send one answer. Resolves false only when it did not reach the server (it stays on this device to be sent
  // again); an answer the server refused is shown on its card and not sent again.
  // The same answer already on its way is not sent a second time (the timer, the resend and Submit may all ask).
  var inflight = {};
  function send(itemId) {
    if (closed || !(itemId in pending)) { return Promise.resolve(true); }
    var card = form.querySelector('[data-item="' + itemId + '"]');
    var body = JSON.stringify({ response: pending[itemId] });
    function current() { return JSON.stringify({ response: pending[itemId] }) === body; }
    if (inflight[itemId] && inflight[itemId].body === body) { return inflight[itemId].promise; }
    var promise = fetch(card.dataset.saveUrl, {
      method: "PUT", credentials: "same-origin", body: body,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf }
    }).then(function (r) {
      if (r.ok) {
        // A newer answer typed meanwhile is still on its way: only the latest is reported as saved.
        if (current()) { delete pending[itemId]; keep(); status(card, form.dataset.savedText, "success"); }
        return true;
      }
      return r.json().then(function (data) {
        status(card, data.error || form.dataset.errorText, "danger");
        if (current()) { delete pending[itemId]; keep(); }
        if (data.closed) { closed = true; window.location.reload(); }
        return true;
      }, function () { status(card, form.dataset.errorText, "danger"); return false; });
    }).catch(function () { status(card, form.dataset.offlineText, "warning"); return false; }).then(function (ok) {
      if (inflight[itemId] && inflight[itemId].promise === promise) { delete inflight[itemId]; }
      return ok;
    });
    inflight[itemId] = { body: body, promise: promise };
    return promise;
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

  // Submitting first sends the answers still on their way (one typed just before tapping Submit, or kept while
  // offline); if one cannot reach the server the member is told and may submit again. When the time is up the
  // paper goes in regardless: the server keeps what reached it.
  var submitting = false;
  var unsent = document.getElementById("attempt-unsent");
  function submitWhenSent(force) {
    if (submitting) { return; }
    submitting = true;
    if (unsent) { unsent.textContent = ""; }
    Array.prototype.forEach.call(form.querySelectorAll("[data-item]"), function (card) { clearTimeout(card._timer); });
    Promise.all(Object.keys(pending).map(send)).then(function (results) {
      if (!force && results.indexOf(false) >= 0) {
        submitting = false;
        if (unsent) { unsent.textContent = form.dataset.unsentText; }
        return;
      }
      closed = true;
      if (results.indexOf(false) < 0) { try { localStorage.removeItem(key); } catch (e) { /* private mode */ } }
      HTMLFormElement.prototype.submit.call(form);
    });
  }
  // On the window, so after the page's "are you sure?" question (asked on the document): a declined submit is
  // left alone.
  window.addEventListener("submit", function (event) {
    if (event.target !== form || event.defaultPrevented) { return; }
    event.preventDefault();
    submitWhenSent(false);
  });

  var clock = document.getElementById("attempt-clock");
  var end = Date.now() + parseInt(form.dataset.secondsLeft, 10) * 1000;
  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    clock.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    if (left <= 60) { clock.classList.add("text-danger"); }
    if (left === 0 && !closed) { submitWhenSent(true); return; }
    setTimeout(tick, 1000);
  }
  tick();
})();
