// The rule editor: show only the chosen condition type's parameters, add condition rows (a copy of the
// template row) and remove them. Without this script every row shows all parameter groups, and a row is
// dropped by choosing no type.
"use strict";

(() => {
  const form = document.querySelector("[data-testid='rule-form']");
  if (!form) return;
  const list = form.querySelector("[data-conditions]");
  const template = form.querySelector("#condition-template");
  const add = form.querySelector("[data-add-condition]");

  const showChosen = (row) => {
    const chosen = row.querySelector("[data-condition-type]").value;
    row.querySelectorAll("[data-params-for]").forEach((group) => {
      group.hidden = group.dataset.paramsFor !== chosen;
    });
  };

  const renumber = () => {
    list.querySelectorAll("[data-condition-row]").forEach((row, position) => {
      row.querySelector("[data-condition-number]").textContent = String(position + 1);
    });
  };

  const prepare = (row) => {
    showChosen(row);
    const remove = row.querySelector("[data-remove-condition]");
    remove.hidden = false;
    remove.addEventListener("click", () => {
      row.remove();
      renumber();
    });
  };

  list.addEventListener("change", (event) => {
    if (event.target.matches("[data-condition-type]")) showChosen(event.target.closest("[data-condition-row]"));
  });

  add.hidden = false;
  add.addEventListener("click", () => {
    // Each row's fields are named "cond-<n>-…": a new row takes the next unused number.
    const index = Number(list.dataset.nextIndex || "0");
    list.dataset.nextIndex = String(index + 1);
    const copy = template.content.cloneNode(true);
    copy.querySelectorAll("[name], [id], [for]").forEach((element) => {
      for (const attribute of ["name", "id", "for"]) {
        const value = element.getAttribute(attribute);
        if (value) element.setAttribute(attribute, value.replaceAll("__index__", String(index)));
      }
    });
    const row = copy.querySelector("[data-condition-row]");
    list.appendChild(copy);
    prepare(row);
    renumber();
    row.querySelector("[data-condition-type]").focus();
  });

  list.querySelectorAll("[data-condition-row]").forEach(prepare);
})();
