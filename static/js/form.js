// Enhancements only: the form works without this file.
(function () {
  var form = document.getElementById("skm");
  if (!form) return;
  var button = form.querySelector("button[type=submit]");
  var sent = false;
  // One tap sends once; the server also refuses a resent form.
  form.addEventListener("submit", function (event) {
    if (sent) { event.preventDefault(); return; }
    sent = true;
    if (button) { button.disabled = true; }
  });
  // After an error: the summary at the top takes the focus, so a screen reader reads it first.
  var summary = document.getElementById("fix");
  if (summary && document.activeElement !== summary) { summary.focus(); }
  // The labelled count the server rendered ("Terjawab 3 dari 9 pertanyaan"), kept up to date.
  var questions = form.querySelectorAll("fieldset.q[id^=q-u]");
  var counter = document.getElementById("progress");
  if (!counter) return;
  var pattern = counter.getAttribute("data-pattern");
  function update() {
    var done = 0;
    questions.forEach(function (q) { if (q.querySelector("input:checked")) done += 1; });
    counter.textContent = pattern.replace("{n}", String(done));
  }
  form.addEventListener("change", update);
  update();
})();
