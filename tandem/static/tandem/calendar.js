// Drag a scheduled post to another day of the calendar: it moves there at the same local time of day.
// Items that may move carry draggable="true" and data-move-url; day cells carry data-date (YYYY-MM-DD).
"use strict";

(() => {
  const calendar = document.querySelector("[data-testid='calendar']");
  if (!calendar) return;
  const banner = document.querySelector("[data-testid='calendar-message']");

  const csrfToken = () => {
    const meta = document.querySelector("meta[name='csrf-token']");
    if (meta) return meta.content;
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch {
      return "";
    }
  };

  const say = (text, busy = false) => {
    if (!banner) return;
    banner.textContent = text;
    banner.classList.toggle("busy", busy);
    banner.hidden = !text;
  };

  let dragged = null;

  calendar.addEventListener("dragstart", (event) => {
    const item = event.target.closest && event.target.closest(".calendar-item[draggable='true']");
    if (!item) return;
    dragged = item;
    item.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.postId || "");
  });

  calendar.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    calendar.querySelectorAll(".drop-target").forEach((cell) => cell.classList.remove("drop-target"));
  });

  const cellOf = (event) => event.target.closest && event.target.closest("td[data-date]");

  calendar.addEventListener("dragover", (event) => {
    const cell = cellOf(event);
    if (!dragged || !cell) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    calendar.querySelectorAll(".drop-target").forEach((other) => {
      if (other !== cell) other.classList.remove("drop-target");
    });
    cell.classList.add("drop-target");
  });

  calendar.addEventListener("dragleave", (event) => {
    const cell = cellOf(event);
    if (cell && !cell.contains(event.relatedTarget)) cell.classList.remove("drop-target");
  });

  calendar.addEventListener("drop", async (event) => {
    const cell = cellOf(event);
    const item = dragged;
    if (!item || !cell) return;
    event.preventDefault();
    cell.classList.remove("drop-target");
    if (item.closest("td[data-date]") === cell) return;
    const body = new URLSearchParams({ date: cell.dataset.date });
    say(calendar.dataset.movingText || "…", true);
    try {
      const response = await fetch(item.dataset.moveUrl, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "text/plain" },
      });
      if (response.ok) {
        window.location.reload();
        return;
      }
      say((await response.text()) || response.statusText);
    } catch (error) {
      say(calendar.dataset.offlineText || String(error));
    }
  });
})();
