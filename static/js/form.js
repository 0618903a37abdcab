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
  var questions = form.querySelectorAll("fieldset.q[id^=q-u]");
  var counter = document.createElement("p");
  counter.className = "progress";
  counter.setAttribute("aria-live", "polite");
  form.insertBefore(counter, button);
  function update() {
    var done = 0;
    questions.forEach(function (q) { if (q.querySelector("input:checked")) done += 1; });
    counter.textContent = done + " / " + questions.length;
  }
  form.addEventListener("change", update);
  update();
})();
