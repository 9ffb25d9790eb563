// Small progressive enhancements; every page works without this file.
document.addEventListener("htmx:afterSettle", function () {
  // After a form comes back with errors or a conflict, move focus to the summary so screen
  // readers announce it. An outerHTML swap replaces the target, so look in the document.
  var summary = document.querySelector(
    ".error-summary:not([data-announced]), .conflict:not([data-announced])"
  );
  if (summary) {
    summary.setAttribute("data-announced", "");
    summary.setAttribute("tabindex", "-1");
    summary.focus();
  }
});
