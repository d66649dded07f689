/* osteo-print web quiz: checks the reader's answers in this browser, against the key in
   the page (script#quiz-key). Nothing is sent anywhere and nothing is stored. Every word
   it shows comes from the page (template#quiz-words), in the page's language.

   The points follow the class scorer (osteo_print/score/marking.py) exactly:
   - one answer (single choice, true/false, fill in the blank): the item's points when
     the letter chosen is the right one; no answer scores 0 ("Not sure" is not right);
   - check all that apply: all or nothing, the item's points only when the letters
     checked are exactly the right ones;
   - matching: one point for each line matched right. */
(function () {
  "use strict";

  function readKey() {
    var node = document.getElementById("quiz-key");
    if (!node) return null;
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function words() {
    var out = {};
    var template = document.getElementById("quiz-words");
    if (!template) return out;
    template.content.querySelectorAll("[data-word]").forEach(function (node) {
      out[node.getAttribute("data-word")] = node.textContent.trim();
    });
    return out;
  }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }

  /* The letters checked, one string per line: a matching item has one line per prompt
     (its inputs are named qN-rROW), any other item one line. */
  function answerRows(item, box) {
    var rows = [];
    if (item.type === "matching") {
      for (var row = 0; row < item.correct.length; row++) {
        rows.push(checkedLetters(box, "q" + item.number + "-r" + row));
      }
    } else {
      rows.push(checkedLetters(box, "q" + item.number));
    }
    return rows;
  }

  function checkedLetters(box, name) {
    var letters = [];
    box.querySelectorAll("input").forEach(function (input) {
      if (input.name === name && input.checked) letters.push(input.value);
    });
    return letters.sort().join("");
  }

  /* marking.points: the points these rows earn on this item. */
  function points(item, rows) {
    if (rows.every(function (row) { return row === ""; })) return 0;
    if (item.type === "matching") {
      var right = 0;
      rows.forEach(function (row, index) { if (row === item.correct[index]) right += 1; });
      return right;
    }
    var want = item.correct.slice().sort().join("");
    return rows[0] === want && rows[0].length === item.correct.length ? item.points : 0;
  }

  function verdict(item, rows, earned) {
    if (rows.every(function (row) { return row === ""; })) return "blank";
    if (earned >= item.points) return "right";
    if (earned > 0) return "partly";
    if (item.not_sure && rows[0] === item.not_sure) return "not-sure";
    return "wrong";
  }

  var MARKS = { "right": "\u2713", "partly": "\u00bd", "wrong": "\u2717", "blank": "\u2013",
                "not-sure": "?" };
  var STATES = ["right", "partly", "wrong", "blank", "not-sure"];

  function setUp(form, key, said) {
    var check = form.querySelector(".quiz-check");
    var reset = form.querySelector(".quiz-reset");
    var status = form.querySelector(".quiz-score");
    var review = form.querySelector(".quiz-review");
    var reviewList = form.querySelector(".quiz-review-list");
    var timer = null;

    function boxOf(item) { return document.getElementById("question-" + item.number); }

    function clearState(box) {
      STATES.forEach(function (state) { box.classList.remove("quiz-is-" + state); });
    }

    function show(text) {
      // Empty the live region first, so the same score is announced again.
      status.textContent = "";
      if (timer) window.clearTimeout(timer);
      timer = window.setTimeout(function () { status.textContent = text; }, 100);
    }

    function checkAnswers() {
      var total = 0;
      var missed = [];
      key.questions.forEach(function (item) {
        var box = boxOf(item);
        if (!box) return;
        var rows = answerRows(item, box);
        var earned = points(item, rows);
        var state = verdict(item, rows, earned);
        total += earned;
        if (state !== "right") missed.push(item.number);
        clearState(box);
        box.classList.add("quiz-is-" + state);
        var result = box.querySelector(".quiz-result");
        result.querySelector(".quiz-mark").textContent = MARKS[state];
        result.querySelector(".quiz-verdict-text").textContent = said[state] || "";
        var pointsText = result.querySelector(".quiz-points");
        pointsText.textContent = fill(pointsText.getAttribute("data-points"), { earned: earned });
        result.hidden = false;
      });
      var message = fill(said.score || "", { score: total });
      if (missed.length === 0 && said["all-right"]) message += " " + said["all-right"];
      show(message);
      reviewList.textContent = "";
      missed.forEach(function (number) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = "#question-" + number;
        link.textContent = fill(said.question || "{number}", { number: number });
        item.appendChild(link);
        reviewList.appendChild(item);
      });
      review.hidden = missed.length === 0;
      reset.hidden = false;
      form.classList.add("quiz-checked");
    }

    function tryAgain() {
      form.reset();
      key.questions.forEach(function (item) {
        var box = boxOf(item);
        if (!box) return;
        clearState(box);
        box.querySelector(".quiz-result").hidden = true;
      });
      if (timer) window.clearTimeout(timer);
      status.textContent = "";
      reviewList.textContent = "";
      review.hidden = true;
      reset.hidden = true;
      form.classList.remove("quiz-checked");
      var first = form.querySelector("input");
      if (first) first.focus();
    }

    // A changed answer after checking: that question's result and the score no longer
    // hold, so they go until "Check my answers" is pressed again (never "Right" beside
    // an answer that is not).
    function answerChanged(event) {
      if (!form.classList.contains("quiz-checked")) return;
      var box = event.target.closest ? event.target.closest(".quiz-question") : null;
      if (box) {
        clearState(box);
        var result = box.querySelector(".quiz-result");
        if (result) result.hidden = true;
      }
      if (timer) window.clearTimeout(timer);
      status.textContent = "";
      review.hidden = true;
    }

    form.addEventListener("change", answerChanged);
    check.addEventListener("click", checkAnswers);
    reset.addEventListener("click", tryAgain);
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    check.hidden = false;
    document.querySelectorAll(".quiz-js-only").forEach(function (node) { node.hidden = false; });
  }

  function start() {
    var form = document.getElementById("quiz-form");
    var key = readKey();
    if (form && key && key.questions) setUp(form, key, words());
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
