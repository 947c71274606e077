// The collection sheet: live total, "did not pay" toggles, one submit per tap, and the first box
// to fix in view. The server refuses a second posting of the same sheet anyway; this only spares
// the treasurer the wait and the doubt.
(function () {
  var form = document.getElementById("sheet-form");
  if (!form) return;
  var inputs = form.querySelectorAll("[data-sheet-amount]");
  var totalEl = document.getElementById("sheet-total");
  var countEl = document.getElementById("sheet-count");
  var thaiDigits = "๐๑๒๓๔๕๖๗๘๙";

  // Read an amount the way the server does: Thai digits, thousands separators and a trailing
  // "บาท" or "฿" allowed. Returns null for text that is not an amount.
  function toNumber(text) {
    text = (text || "").replace(/[๐-๙]/g, function (d) { return String(thaiDigits.indexOf(d)); });
    text = text.replace(/[,\s]/g, "").replace(/(บาท|฿)$/, "");
    if (text === "") return 0;
    var n = Number(text);
    return isFinite(n) && n > 0 ? n : null;
  }

  // 1234567 satang -> "12,345.67", as the server writes amounts. By hand: the first call of
  // toLocaleString loads the browser's number formats, some 30 ms of a phone's first second.
  function formatSatang(satang) {
    return (satang / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function update() {
    var total = 0, count = 0;
    inputs.forEach(function (input) {
      var n = toNumber(input.value);
      input.classList.toggle("text-danger", n === null);
      if (n) { total += Math.round(n * 100); count += 1; }
    });
    totalEl.textContent = formatSatang(total);
    countEl.textContent = String(count);
  }

  inputs.forEach(function (input) { input.addEventListener("input", update); });
  form.querySelectorAll("[data-clear]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-clear"));
    button.addEventListener("click", function () {
      var pressed = button.getAttribute("aria-pressed") === "true";
      if (pressed) {
        input.value = button.getAttribute("data-previous") || button.getAttribute("data-commitment");
      } else {
        button.setAttribute("data-previous", input.value);
        input.value = "";
      }
      button.setAttribute("aria-pressed", String(!pressed));
      button.classList.toggle("active", !pressed);
      update();
    });
    input.addEventListener("input", function () {
      button.setAttribute("aria-pressed", "false");
      button.classList.remove("active");
    });
  });
  form.addEventListener("submit", function () {
    form.querySelectorAll("[data-once]").forEach(function (b) { b.disabled = true; });
  });
  var firstError = form.querySelector(".is-invalid");
  if (firstError) {
    firstError.focus();
  }
  update();
})();
