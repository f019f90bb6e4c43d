// Django admin's search boxes (Select2) name their combobox after the chosen value, which
// is empty until a pick: screen readers heard nothing (axe-core aria-input-field-name).
// Each box takes its field's label instead.
function labelSearchBoxes() {
  document.querySelectorAll("select.admin-autocomplete").forEach((select) => {
    const label = document.querySelector(`label[for="${select.id}"]`);
    const box = select.nextElementSibling;
    if (!label || !box) return;
    const name = label.textContent.replace(/:\s*$/, "").trim();
    box.querySelectorAll(".select2-selection, .select2-selection__rendered").forEach((element) => {
      if (element.getAttribute("aria-label") !== name) element.setAttribute("aria-label", name);
    });
  });
}
// Select2 builds its boxes when jQuery is ready and again for each new inline row: label
// them whenever the page's elements change, not at one moment that may come too early.
document.addEventListener("DOMContentLoaded", () => {
  labelSearchBoxes();
  new MutationObserver(labelSearchBoxes).observe(document.body, { childList: true, subtree: true });
});

// A tabular inline's fields are labelled by their column heading, which assistive
// technology doesn't tie to the field (axe-core label): name each field after it.
function labelTabularFields(root) {
  root.querySelectorAll(".tabular table").forEach((table) => {
    const headings = Array.from(table.querySelectorAll("thead th")).map((th) => th.textContent.trim());
    table.querySelectorAll("tbody tr").forEach((row) => {
      Array.from(row.children).forEach((cell, index) => {
        cell.querySelectorAll("input:not([type=hidden]), select, textarea").forEach((field) => {
          if (field.labels && field.labels.length) return;
          if (field.hasAttribute("aria-label") || !headings[index]) return;
          field.setAttribute("aria-label", headings[index]);
        });
      });
    });
  });
}
window.addEventListener("load", () => labelTabularFields(document));
document.addEventListener("formset:added", (event) => labelTabularFields(event.target.closest(".tabular") || document));
