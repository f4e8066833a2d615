// FixTracker's own script: the Copy button beside a new share link, the keyboard on links
// drawn as buttons and in open forms, and what a failed HTMX action says.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  field.select();
  const done = () => { button.textContent = "Copied"; };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(done, () => document.execCommand("copy") && done());
  } else if (document.execCommand("copy")) {
    done();
  }
});

// An HTMX action that fails says so where it happened, and a checkbox whose tick was not
// saved goes back to what the server holds: nothing fails silently.
const FAILURES = {
  403: "Not saved: you may not change this plan, or this page is out of date. Reload to see the current plan.",
  404: "Not saved: this was deleted by someone else. Reload to see the current plan.",
  413: "Not saved: that is more than FixTracker takes in one request.",
  429: "Not saved: too many attempts; wait a few minutes and try again.",
};

function failureText(status) {
  if (FAILURES[status]) return FAILURES[status];
  if (status >= 500) return `Not saved: the server failed (error ${status}). Try again, or reload the page.`;
  return `Not saved (error ${status}). Reload to see the current plan.`;
}

function showFailure(elt, text) {
  let place = elt.closest("li, tr, form, section") || document.querySelector("main");
  if (place.matches("tr")) place = place.lastElementChild || place;  // a cell holds the text
  let alert = place.querySelector(":scope > .htmx-failure");
  if (!alert) {
    alert = document.createElement("p");
    alert.className = "error htmx-failure";
    alert.setAttribute("role", "alert");
    place.append(alert);
  }
  alert.textContent = text;
  // The box shows the tick the user asked for; the server did not take it.
  if (elt.matches("input[type=checkbox]")) elt.checked = !elt.checked;
}

document.addEventListener("htmx:responseError", (event) => {
  showFailure(event.detail.elt, failureText(event.detail.xhr.status));
});
document.addEventListener("htmx:sendError", (event) => {
  showFailure(event.detail.elt, "Not saved: FixTracker could not be reached. Check your connection and try again.");
});
document.addEventListener("htmx:beforeRequest", (event) => {
  const place = event.detail.elt.closest("li, tr, form, section");
  const alert = place && place.querySelector(".htmx-failure");
  if (alert) alert.remove();
});

// Links drawn as buttons act on Space as buttons do (Enter already follows them), and
// Escape in an open edit or add form cancels it.
document.addEventListener("keydown", (event) => {
  if (event.key === " " && event.target.matches("a[role=button]")) {
    event.preventDefault();
    event.target.click();
  } else if (event.key === "Escape") {
    const form = event.target.closest(".edit-form, .add-form");
    const cancel = form?.querySelector(".cancel");
    if (cancel) {
      event.preventDefault();
      // Escape is easy to press by accident: typed text is not thrown away unasked.
      if (changed(form) && !window.confirm("Discard your changes?")) {
        return;
      }
      // A form swapped in a moment ago may not be wired up by htmx yet: without this the
      // click would follow the link's plain href and reload the page.
      htmx.process(cancel);
      cancel.click();
    }
  }
});

// A list drawn again (after an add, a move or a delete, perhaps a teammate's row with it)
// keeps any other row the user has open with typed text: that row is put back as they left
// it. htmx cleans up what it swaps out, so the row is wired up again.
let keptRows = [];
document.addEventListener("htmx:beforeSwap", (event) => {
  const { target, elt } = event.detail;
  keptRows = Array.from(target.querySelectorAll(".edit-form"))
    .filter((form) => !form.contains(elt) && changed(form))
    .map((form) => form.parentElement.closest("[id]"))
    .filter((row) => row && row !== target);
});
document.addEventListener("htmx:afterSwap", () => {
  for (const row of keptRows) {
    const drawn = document.getElementById(row.id);
    if (drawn && drawn !== row) {
      drawn.replaceWith(row);
      htmx.process(row);
    }
  }
  keptRows = [];
});

// Whether a field of the form holds something other than what it was drawn with.
function changed(form) {
  return Array.from(form.elements).some((field) => {
    if (field.type === "checkbox" || field.type === "radio") {
      return field.checked !== field.defaultChecked;
    }
    if (field.tagName === "SELECT") {
      return Array.from(field.options).some((option) => option.selected !== option.defaultSelected);
    }
    return "defaultValue" in field && field.type !== "hidden" && field.value !== field.defaultValue;
  });
}

// A link to a field on the page ("Log progress") puts the cursor in it, not only in view.
document.addEventListener("click", (event) => {
  const link = event.target.closest('a[href^="#"]');
  const target = link && document.getElementById(link.hash.slice(1));
  if (target?.matches("input, textarea, select")) {
    target.focus();
  }
});
