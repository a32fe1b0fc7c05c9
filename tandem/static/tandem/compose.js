// The compose form: tell the live limit check how many images are about to be uploaded, and show only the
// schedule fields that apply. Everything works without this script; it only makes the form tidier.
"use strict";

(() => {
  const form = document.querySelector("[data-testid='compose-form']");
  if (!form) return;

  const files = form.querySelector("input[type='file'][name='images']");
  const count = form.querySelector("[data-new-images]");
  if (files && count) {
    // Runs before the event bubbles up to the form, where htmx sends the check (after its delay).
    const remember = () => {
      count.value = String(files.files ? files.files.length : 0);
    };
    files.addEventListener("input", remember);
    files.addEventListener("change", remember);
  }

  // Once the form is being sent, a late live check would only be cut off by the page change.
  let submitting = false;
  form.addEventListener("submit", () => {
    submitting = true;
  });
  form.addEventListener("htmx:beforeRequest", (event) => {
    if (submitting) event.preventDefault();
  });

  const toggle = () => {
    const when = form.querySelector("input[name='when']:checked");
    const recurrence = form.querySelector("select[name='recurrence']");
    const repeat = recurrence ? recurrence.value : "";
    form.querySelectorAll("[data-show-when]").forEach((element) => {
      element.hidden = !when || when.value !== element.dataset.showWhen;
    });
    form.querySelectorAll("[data-show-recurrence]").forEach((element) => {
      const wanted = element.dataset.showRecurrence;
      element.hidden = wanted === "any" ? !repeat : repeat !== wanted;
    });
  };
  form.addEventListener("change", toggle);
  toggle();
})();
