// Small progressive enhancements; every page works without this file.
document.addEventListener("htmx:afterSwap", function (event) {
  // After a form comes back with errors, move focus to the summary so screen readers announce it.
  var summary = event.detail.target.querySelector
    ? event.detail.target.querySelector(".error-summary, .conflict")
    : null;
  if (summary) {
    summary.setAttribute("tabindex", "-1");
    summary.focus();
  }
});
