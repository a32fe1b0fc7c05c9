// The community pages: saved replies into the reply box, and the review queue's keyboard and "select all".
// Everything works without this script (forms post as usual); it only saves clicks and keystrokes.
"use strict";

(() => {
  // A saved reply's button inserts its text where the cursor is in the reply box.
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-saved-reply]");
    if (!button) return;
    const box = document.getElementById(button.dataset.target);
    if (!box) return;
    const text = button.dataset.savedReply;
    const start = box.selectionStart ?? box.value.length;
    const end = box.selectionEnd ?? box.value.length;
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.focus();
    box.setSelectionRange(start + text.length, start + text.length);
  });

  const queue = document.querySelector("[data-review-queue]");
  if (!queue) return;

  const help = document.getElementById("shortcut-help");
  const toggleHelp = () => {
    help.hidden = !help.hidden;
  };
  document.querySelectorAll("[data-shortcut-help]").forEach((button) => button.addEventListener("click", toggleHelp));

  const boxes = () => document.querySelectorAll("input[type='checkbox'][form='review-bulk']");
  const selectAll = document.querySelector("[data-select-all]");
  if (selectAll) {
    selectAll.addEventListener("change", () => {
      boxes().forEach((box) => {
        box.checked = selectAll.checked;
      });
    });
  }

  const items = () => Array.from(queue.querySelectorAll("[data-review-item]"));
  let position = -1;

  const current = () => items()[position] || null;
  const show = () => {
    const all = items();
    if (!all.length) {
      position = -1;
      return;
    }
    position = Math.max(0, Math.min(position, all.length - 1));
    all.forEach((item, index) => item.classList.toggle("current", index === position));
    all[position].focus({ preventScroll: true });
    all[position].scrollIntoView({ block: "nearest" });
  };
  const move = (step) => {
    position = position < 0 ? 0 : position + step;
    show();
  };
  const decide = (decision) => {
    const item = current();
    const button = item && item.querySelector(`[data-decision='${decision}']`);
    if (button) button.click();
  };

  // A decided item is replaced by its notice: the same position now holds the next item.
  queue.addEventListener("htmx:afterSwap", () => {
    if (position >= 0) show();
  });

  // The poll brings back a comment whose decision the platform refused; if the page still shows it (a bulk
  // decision reloads the queue before the platform answers), the copy it already has stays.
  document.body.addEventListener("htmx:afterSettle", () => {
    const seen = new Set();
    items().forEach((item) => {
      if (seen.has(item.dataset.testid)) item.remove();
      else seen.add(item.dataset.testid);
    });
  });

  const keys = {
    j: () => move(1),
    k: () => move(-1),
    a: () => decide("approve"),
    d: () => decide("delete"),
    b: () => decide("ban"),
    x: () => {
      const box = current() && current().querySelector("input[type='checkbox']");
      if (box) box.checked = !box.checked;
    },
    "?": toggleHelp,
  };

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.closest("input:not([type=checkbox]):not([type=radio]), textarea, select, [contenteditable]")) return;
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
})();
