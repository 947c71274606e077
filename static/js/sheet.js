// The collection sheet: live total, "did not pay" buttons, and one submit per tap.
// The server refuses a second posting of the same sheet anyway; this only spares the wait.
(function () {
  var form = document.getElementById("sheet-form");
  if (!form) return;
  var inputs = form.querySelectorAll("[data-sheet-amount]");
  var totalEl = document.getElementById("sheet-total");
  var countEl = document.getElementById("sheet-count");

  function toNumber(text) {
    var digits = "๐๑๒๓๔๕๖๗๘๙";
    text = (text || "").replace(/[๐-๙]/g, function (d) { return String(digits.indexOf(d)); });
    text = text.replace(/[,\s]/g, "");
    var n = Number(text);
    return text !== "" && isFinite(n) && n > 0 ? n : 0;
  }

  function update() {
    var total = 0, count = 0;
    inputs.forEach(function (input) {
      var n = toNumber(input.value);
      if (n > 0) { total += Math.round(n * 100); count += 1; }
    });
    totalEl.textContent = (total / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    countEl.textContent = String(count);
  }

  inputs.forEach(function (input) { input.addEventListener("input", update); });
  form.querySelectorAll("[data-clear]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-clear"));
      input.value = "";
      update();
    });
  });
  form.addEventListener("submit", function () {
    form.querySelectorAll("[data-once]").forEach(function (b) { b.disabled = true; });
  });
  update();
})();
