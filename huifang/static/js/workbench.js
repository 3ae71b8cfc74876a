/* Call workbench: keyboard first.
 *
 * Everywhere on the workbench: n = open the next task, ? = key legend, Esc = leave a text box.
 * On the call screen: j/k or arrows move question by question, 1–9 and 0 (=10) answer the current
 * question (yes/no: 1 = yes, 2 = no), t = remark on the current question, s/i/u/r pick the outcome,
 * Ctrl+Enter saves and opens the next task, Ctrl+S saves and stays.
 * The weighted score is computed live the same way the server computes it (rules.weighted_score).
 */
(function () {
  "use strict";

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && !/^(radio|checkbox|button|submit)$/.test(el.type)) || el.isContentEditable;
  }

  function legend() {
    var el = document.getElementById("wb-legend");
    if (el) el.hidden = !el.hidden;
  }

  // ----- Call screen -------------------------------------------------------------------------------
  var form = document.getElementById("wb-call-form");

  // Typing a long comment is activity the server never sees: tell it, at most once a minute (the idle
  // sign-out counts a request of the user's own; workbench:ping answers a few bytes).
  var lastPing = Date.now();
  if (form && form.dataset.wbPing) {
    form.addEventListener("input", function () {
      if (Date.now() - lastPing < 60000) return;
      lastPing = Date.now();
      fetch(form.dataset.wbPing, { credentials: "same-origin", headers: { Accept: "application/json" } });
    });
  }
  var questions = form ? Array.prototype.slice.call(form.querySelectorAll(".wb-q")) : [];
  var current = 0;

  function focusQuestion(i) {
    if (!questions.length) return;
    current = Math.max(0, Math.min(questions.length - 1, i));
    questions.forEach(function (q, n) { q.classList.toggle("current", n === current); });
    questions[current].scrollIntoView({ block: "nearest" });
  }

  function normalised(kind, value) {
    // 0–100 per answer, as rules.normalised: 10-point v -> 10v, 5-point v -> 20v, yes = 100, no = 0.
    if (kind === "scale10") return value * 10;
    if (kind === "scale5") return value * 20;
    if (kind === "yes_no") return value ? 100 : 0;
    return null;
  }

  function score() {
    var total = 0, weights = 0;
    questions.forEach(function (q) {
      var weight = parseFloat(q.dataset.weight || "0");
      var checked = q.querySelector("input[type=radio]:checked");
      if (!checked || !weight) return;
      var n = normalised(q.dataset.kind, parseInt(checked.value, 10));
      if (n === null) return;
      total += weight * n; weights += weight;
    });
    var out = document.getElementById("wb-score");
    if (out) out.textContent = weights ? (total / weights).toFixed(1) : "—";
    return weights ? total / weights : null;
  }

  function suggestOutcome() {
    // Answers only suggest: an issue when a score hits the store's thresholds, else satisfied.
    // A choice the caller made by hand is kept.
    if (!form || form.dataset.outcomeTouched) return;
    var lowOverall = parseInt(form.dataset.lowOverall || "0", 10);
    var lowItem = parseInt(form.dataset.lowItem || "0", 10);
    var any = false, issue = false;
    questions.forEach(function (q) {
      var checked = q.querySelector("input[type=radio]:checked");
      if (!checked) return;
      any = true;
      var v = parseInt(checked.value, 10), kind = q.dataset.kind;
      if (kind === "yes_no") { if (v === 0 && q.dataset.code === form.dataset.returnCode) issue = true; return; }
      var on10 = kind === "scale5" ? v * 2 : v;
      if (q.dataset.code === form.dataset.overallCode ? on10 <= lowOverall : on10 <= lowItem) issue = true;
    });
    if (any) setOutcome(issue ? "with_issue" : "satisfied", false);
  }

  function setOutcome(value, byHand) {
    if (!form) return;
    var radio = form.querySelector("input[name=outcome][value=" + value + "]");
    if (!radio) return;
    radio.checked = true;
    if (byHand) form.dataset.outcomeTouched = "1";
    showOutcomeParts();
  }

  function showOutcomeParts() {
    if (!form) return;
    var checked = form.querySelector("input[name=outcome]:checked");
    var value = checked ? checked.value : "";
    form.querySelectorAll("[data-when-outcome]").forEach(function (el) {
      el.hidden = el.dataset.whenOutcome.split(" ").indexOf(value) < 0;
    });
    form.querySelectorAll(".wb-outcome label").forEach(function (l) {
      var r = l.querySelector("input"); l.classList.toggle("on", !!(r && r.checked));
    });
  }

  function answer(digit) {
    var q = questions[current];
    if (!q || q.dataset.kind === "text") return;
    var value = digit === 0 ? 10 : digit;
    if (q.dataset.kind === "yes_no") {
      if (digit !== 1 && digit !== 2) return;
      value = digit === 1 ? 1 : 0;
    }
    var radio = q.querySelector("input[type=radio][value='" + value + "']");
    if (!radio) return;
    radio.checked = true;
    changed();
    focusQuestion(current + 1);
  }

  function changed() {
    questions.forEach(function (q) {
      q.classList.toggle("answered", !!q.querySelector("input[type=radio]:checked"));
    });
    score();
    suggestOutcome();
  }

  function save(next) {
    if (!form) return;
    form.querySelector("input[name=next]").value = next ? "True" : "";
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  if (form) {
    form.addEventListener("change", function (e) {
      if (e.target.name === "outcome") { form.dataset.outcomeTouched = "1"; showOutcomeParts(); return; }
      if (e.target.type === "radio") {
        var q = e.target.closest(".wb-q");
        if (q) focusQuestion(questions.indexOf(q));
        changed();
      }
    });
    form.addEventListener("submit", function (e) {
      // One save per call: a second Ctrl+Enter while the first is on its way does nothing.
      if (form.dataset.sent) { e.preventDefault(); return; }
      form.dataset.sent = "1";
    });
    changed();
    if (form.querySelector("input[name=outcome]:checked")) form.dataset.outcomeTouched = "1";
    showOutcomeParts();
    focusQuestion(0);
  }

  // Script scenarios: tabs switch the visible script.
  document.querySelectorAll("[data-scenario-tab]").forEach(function (tab) {
    tab.addEventListener("click", function () { showScenario(tab.dataset.scenarioTab); });
  });
  function showScenario(name) {
    document.querySelectorAll("[data-scenario-tab]").forEach(function (t) { t.classList.toggle("on", t.dataset.scenarioTab === name); });
    document.querySelectorAll("[data-scenario]").forEach(function (s) { s.hidden = s.dataset.scenario !== name; });
  }
  function cycleScenario() {
    var tabs = Array.prototype.slice.call(document.querySelectorAll("[data-scenario-tab]"));
    if (!tabs.length) return;
    var i = tabs.findIndex(function (t) { return t.classList.contains("on"); });
    showScenario(tabs[(i + 1) % tabs.length].dataset.scenarioTab);
  }

  // ----- Keys ---------------------------------------------------------------------------------------
  var OUTCOME_KEYS = { s: "satisfied", i: "with_issue", u: "not_reached", r: "refused" };

  document.addEventListener("keydown", function (e) {
    var target = e.target;
    if (e.defaultPrevented) return; // already taken, e.g. "/" opening the customer search in the top bar
    if (form && (e.ctrlKey || e.metaKey) && e.key === "Enter") { e.preventDefault(); save(true); return; }
    if (form && (e.ctrlKey || e.metaKey) && (e.key === "s" || e.key === "S")) { e.preventDefault(); save(false); return; }
    if (e.key === "Escape") {
      if (typing(target)) { target.blur(); return; }
      var l = document.getElementById("wb-legend"); if (l) l.hidden = true;
      return;
    }
    if (typing(target) || e.ctrlKey || e.metaKey || e.altKey) return;
    var body = document.body.querySelector("[data-wb-next]");
    if (e.key === "?") { e.preventDefault(); legend(); return; }
    if (e.key === "n" && body) { e.preventDefault(); window.location.href = body.dataset.wbNext; return; }
    var book = document.getElementById("wb-book");
    if (e.key === "b" && book) { e.preventDefault(); window.location.href = book.href; return; }
    if (!form) {
      // "/" is the customer search on every page; f goes to the queue's filters.
      if (e.key === "f") { var f = document.querySelector(".wb-filters select"); if (f) { e.preventDefault(); f.focus(); } }
      return;
    }
    if (/^[0-9]$/.test(e.key)) { e.preventDefault(); answer(parseInt(e.key, 10)); return; }
    if (e.key === "j" || e.key === "ArrowDown") { e.preventDefault(); focusQuestion(current + 1); return; }
    if (e.key === "k" || e.key === "ArrowUp") { e.preventDefault(); focusQuestion(current - 1); return; }
    if (e.key === "t") {
      var q = questions[current];
      var box = q && q.querySelector("input[type=text], textarea");
      if (box) { e.preventDefault(); box.focus(); }
      return;
    }
    if (e.key === "c") { var c = form.querySelector("[name=comment]"); if (c) { e.preventDefault(); c.focus(); } return; }
    if (e.key === "x") { e.preventDefault(); cycleScenario(); return; }
    if (OUTCOME_KEYS[e.key]) { e.preventDefault(); setOutcome(OUTCOME_KEYS[e.key], true); }
  });
})();
