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
    return;
  }
  // A block swapped in place of the control that asked for it (an inline form, the block it
  // saves back to) takes focus at its heading, so the keyboard carries on inside it instead of
  // falling back to the top of the page.
  var focus = document.querySelector("[data-focus-on-swap]:not([data-focused])");
  if (focus) {
    focus.setAttribute("data-focused", "");
    focus.setAttribute("tabindex", "-1");
    focus.focus();
  }
});

// A long write (a large import) says it is working, and cannot be sent twice.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.dataset || !form.dataset.busy) {
    return;
  }
  var status = form.querySelector(".busy");
  if (status) {
    status.textContent = form.dataset.busy;
  }
  form.querySelectorAll("button[type=submit]").forEach(function (button) {
    button.disabled = true;
  });
});
