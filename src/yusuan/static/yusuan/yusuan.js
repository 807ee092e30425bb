// Progressive enhancement only; every page works without it. No inline scripts (CSP).
document.addEventListener("DOMContentLoaded", function () {
  // P7: scroll the first field with an error into view and focus it.
  var firstError = document.querySelector(".has-error input, .has-error select, .has-error textarea");
  if (firstError) {
    firstError.scrollIntoView({ block: "center" });
    firstError.focus();
  }
  // Auto-submit filter selects (the search box uses htmx).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { el.form.requestSubmit(); });
  });
  // A header checkbox ticks every box of its name on the page (批量审核).
  document.querySelectorAll("input[data-check-all]").forEach(function (all) {
    all.addEventListener("change", function () {
      all.form.querySelectorAll("input[name='" + all.dataset.checkAll + "']").forEach(function (box) {
        box.checked = all.checked;
      });
    });
  });
  // Irreversible buttons (void) ask first; the question is the button's data-confirm.
  document.querySelectorAll("form [data-confirm]").forEach(function (el) {
    el.form.addEventListener("submit", function (event) {
      if (event.submitter === el && !window.confirm(el.dataset.confirm)) event.preventDefault();
    });
  });
});
