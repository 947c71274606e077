// Membership forms (joining, a new commitment, leaving, moving): a double tap sends the form once.
// The server refuses a second post anyway (request keys, numbers given once); this spares the
// treasurer the page that says so.
(function () {
  document.querySelectorAll("form[data-once-form]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("[type=submit]").forEach(function (b) { b.disabled = true; });
    });
  });
  var firstError = document.querySelector("form[data-once-form] .is-invalid");
  if (firstError) {
    firstError.focus();
  }
})();
