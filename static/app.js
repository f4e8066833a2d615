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

// An engineer's plan page keeps itself current. It holds a stream on which the server says
// when the plan moves past the version the page shows (server-sent events); a page that
// cannot hold one asks every few seconds instead (a 304 when nothing moved). When a
// teammate changed the plan, the page fetches itself again and redraws its parts, except
// what the user is working in: an open edit or add form, a form with typed text or the
// focus stays as it is, in its place in the redrawn part. It says who did what. A hidden
// tab neither holds a stream nor asks; it catches up when shown again.
const live = document.getElementById("live");
const NEWS_LINES = 5;
const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";
// When the user last pressed a key or a pointer, for the live redraw below.
let touched = 0;
for (const type of ["keydown", "pointerdown"]) {
  document.addEventListener(type, () => { touched = performance.now(); }, true);
}
if (live) {
  let version = live.dataset.version;
  let etag = live.dataset.etag;
  // The newest version the stream told of; the page may still be catching up to it.
  let announced = Number(version);
  let stopped = false;
  const seconds = Number(live.dataset.seconds) * 1000;
  const news = document.getElementById("live-news");
  let quiet = null;
  let source = null;
  let polling = false;

  // News adds to what is shown (the last few lines) until it has been quiet for a while:
  // two changes told one after the other both stay readable. What ends the updates stays.
  const say = (text, keep = false) => {
    const shown = keep || !news.textContent ? [] : news.textContent.split("\n");
    news.textContent = [...shown, ...text.split("\n")].slice(-NEWS_LINES).join("\n");
    clearTimeout(quiet);
    if (!keep) quiet = setTimeout(() => { news.textContent = ""; }, 12000);
  };

  const stop = (text) => {
    stopped = true;
    source?.close();
    say(text, true);
  };

  const check = async () => {
    const response = await fetch(`${live.dataset.url}?since=${version}`, {
      headers: { "If-None-Match": etag },
      cache: "no-store",
      redirect: "manual",
    });
    if (response.type === "opaqueredirect" || response.status === 403) {
      stop("Your session has ended: reload the page and log in to see teammates' changes.");
      return;
    }
    if (response.status === 404) {
      stop("This plan was deleted by someone else.");
      return;
    }
    if (response.status !== 200) return;  // 304: nothing new; anything else: ask again later
    const data = await response.json();
    if (!(await redraw())) return;
    version = String(data.version);
    etag = response.headers.get("ETag") || etag;
    if (data.news.length) say(data.news.join("\n"));
  };

  // One check at a time; the stream telling of more meanwhile makes one more after it.
  let checking = false;
  let again = false;
  const catchUp = async () => {
    if (checking) {
      again = true;
      return;
    }
    checking = true;
    try {
      do {
        again = false;
        await check();
      } while (again && !stopped);
    } catch (error) {
      // Offline for a moment, or the server restarting: caught up on below or next time.
    } finally {
      checking = false;
    }
    if (!stopped && Number(version) < announced) setTimeout(catchUp, seconds);
  };

  // Asks only while the page holds no stream.
  const poll = async () => {
    if (!document.hidden && !stopped && !source) await catchUp();
    if (!stopped) setTimeout(poll, seconds);
  };
  const startPolling = () => {
    if (polling || stopped) return;
    polling = true;
    catchUp();
    setTimeout(poll, seconds);
  };

  const listen = () => {
    if (!window.EventSource || !live.dataset.events) {
      startPolling();
      return;
    }
    source = new EventSource(`${live.dataset.events}?since=${version}`);
    source.onmessage = (event) => {
      announced = Math.max(announced, Number(event.data));
      if (announced > Number(version)) catchUp();
    };
    source.onerror = () => {
      // A dropped stream the browser opens again by itself. One refused (the session
      // ended, the plan deleted, a server at its limit of streams) stays closed: the page
      // asks instead, and the first answer says which it was; the stream is tried again
      // a minute later, when the server may have room, or when the tab is next shown.
      if (source?.readyState !== EventSource.CLOSED) return;
      source = null;
      startPolling();
      setTimeout(() => {
        if (!stopped && !source && !document.hidden) listen();
      }, 60000);
    };
  };
  listen();
  document.addEventListener("visibilitychange", () => {
    if (stopped) return;
    if (document.hidden) {
      source?.close();
      source = null;
      return;
    }
    catchUp();
    // Also after a refusal: a tab shown again tries a stream, and polls only if refused.
    if (!source) listen();
  });

  // The page drawn again; true when it was. A part holding what the user is working in
  // keeps that, placed where the fresh part has it; a part whose fresh copy lacks it (a row
  // deleted meanwhile) stays as it is, so nothing typed is lost.
  const redraw = async () => {
    const url = new URL(location.href);
    url.searchParams.delete("edit");
    url.searchParams.delete("add");
    url.hash = "";
    const asked = performance.now();
    const response = await fetch(url, { cache: "no-store", redirect: "manual" });
    if (response.status !== 200) return false;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    // Not under the user's fingers: a key pressed or a click since the page was asked for
    // may have opened, closed or moved what the fresh copy shows. The page is drawn again a
    // few seconds later instead (it is still behind).
    if (touched > asked) return false;
    const active = document.activeElement;
    const caret = active && typeof active.selectionStart === "number"
      ? [active.selectionStart, active.selectionEnd] : null;
    // A focused element without an id (a row's Edit link) is found again in the fresh copy
    // by its place among the focusable elements of the nearest element with one.
    const anchor = active && !active.id && active !== document.body
      ? active.parentElement?.closest("[id]") : null;
    const place = anchor ? Array.from(anchor.querySelectorAll(FOCUSABLE)).indexOf(active) : -1;
    // A list's form for ticking without JavaScript holds no typing of its own.
    const working = Array.from(document.querySelectorAll("main form:not(.ticks-form)"))
      .filter((form) => form.matches(".edit-form, .add-form") || changed(form) || form.contains(active))
      .map((form) => (form.id ? form : form.parentElement.closest("[id]")))
      .filter(Boolean);
    const parts = fresh.querySelectorAll("main > section[id], #plan-status, #plan-progress, #plan-overdue, #share-links-count");
    for (const part of parts) {
      const old = document.getElementById(part.id);
      if (!old) continue;
      const inside = working.filter((held) => old.contains(held));
      if (inside.includes(old)) continue;
      if (!inside.every((held) => part.querySelector(`#${CSS.escape(held.id)}`))) continue;
      const drawn = document.importNode(part, true);
      for (const held of inside) {
        const slot = drawn.querySelector(`#${CSS.escape(held.id)}`);
        // Inside what is kept (a step with its edit form open), its lists and progress
        // are still drawn afresh, unless the user is working in them too.
        for (const list of slot.querySelectorAll(".checklist[id], .step-progress[id]")) {
          const stale = held.querySelector(`#${CSS.escape(list.id)}`);
          const busy = stale && (stale.contains(active) || working.some((w) => stale.contains(w)));
          if (stale && !busy) stale.replaceWith(list);
        }
        slot.replaceWith(held);
      }
      old.replaceWith(drawn);
      htmx.process(drawn);
    }
    document.title = fresh.title;
    // The focus stays where it was: on the same element, or on its fresh copy.
    let focus = active;
    if (active && !active.isConnected && active.id) {
      focus = document.getElementById(active.id);
    } else if (active && !active.isConnected && place >= 0) {
      const copy = document.getElementById(anchor.id)?.querySelectorAll(FOCUSABLE)[place];
      const same = copy && copy.tagName === active.tagName && copy.textContent === active.textContent;
      focus = same ? copy : null;
    }
    if (focus && focus.isConnected && document.activeElement !== focus) {
      focus.focus({ preventScroll: true });
      if (caret && focus === active) focus.setSelectionRange(...caret);
    }
    return true;
  };
}
