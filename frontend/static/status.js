// Keeps submission states up to date without reloading: polls the JSON API for every
// element carrying data-submission-id whose state is not final yet.
(function () {
  var FINAL = { scored: true, failed: true, cancelled: true };
  var POLL_MS = 2000;

  function text(el, value) { if (el) el.textContent = value; }

  function fmt(value) { return value === undefined || value === null ? "—" : value.toFixed(4); }

  function updateDetail(el, data) {
    text(document.getElementById("state"), data.state);
    text(document.getElementById("queue-position"),
      data.queue_position ? "(position " + data.queue_position + " in the queue)" : "");
    if (data.failure_log !== null && document.getElementById("failure-log")) {
      text(document.getElementById("failure-log"), data.failure_log || "(empty)");
    }
    if (data.failure_kind) {
      var kind = document.getElementById("failure-kind");
      if (!kind) { kind = document.createElement("span"); kind.id = "failure-kind"; el.querySelector("p").appendChild(kind); }
      text(kind, " — " + data.failure_kind);
    }
    var cancel = document.getElementById("cancel-form");
    if (cancel && FINAL[data.state]) cancel.remove();
    var bagged = document.querySelector("#bagged-scores tbody tr");
    var headers = document.querySelectorAll("#bagged-scores thead th");
    if (bagged) {
      for (var i = 1; i < headers.length; i++) {
        text(bagged.children[i], fmt(data.valid_scores[headers[i].textContent]));
      }
    }
    var folds = document.querySelector("#fold-scores tbody");
    if (folds && data.folds.length) {
      folds.innerHTML = "";
      data.folds.forEach(function (fold) {
        var row = document.createElement("tr");
        var cells = [String(fold.fold_index)];
        for (var i = 1; i < headers.length; i++) {
          var name = headers[i].textContent;
          cells.push(fmt(fold.train_scores[name]), fmt(fold.valid_scores[name]));
        }
        cells.push(fold.train_seconds === null ? "—" : fold.train_seconds.toFixed(2) + "s");
        cells.push(fold.valid_seconds === null ? "—" : fold.valid_seconds.toFixed(2) + "s");
        cells.forEach(function (value) { var td = document.createElement("td"); td.textContent = value; row.appendChild(td); });
        folds.appendChild(row);
      });
    }
  }

  function updateRow(el, data) {
    text(el.querySelector(".state"), data.state + (data.queue_position ? " (#" + data.queue_position + ")" : ""));
    var table = el.closest("table");
    var official = table && table.dataset.official;
    if (official && data.valid_scores[official] !== undefined) {
      text(el.querySelector(".score"), fmt(data.valid_scores[official]));
    }
  }

  function poll(el) {
    if (FINAL[el.dataset.state]) return;
    fetch("/api/submissions/" + el.dataset.submissionId, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        el.dataset.state = data.state;
        if (el.id === "submission-status") updateDetail(el, data); else updateRow(el, data);
        if (!FINAL[data.state]) setTimeout(function () { poll(el); }, POLL_MS);
      })
      .catch(function () { setTimeout(function () { poll(el); }, POLL_MS * 3); });
  }

  document.querySelectorAll("[data-submission-id]").forEach(function (el) {
    setTimeout(function () { poll(el); }, POLL_MS);
  });
})();
