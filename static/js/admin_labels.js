// Names for screen readers that the admin's own scripts leave out (axe-core, critical and serious):
// - the autocomplete boxes (Select2 4.0.13): the box of a single choice was named by its chosen
//   value only (nothing when empty), the typing field of a multiple choice not at all: all now
//   take the label of the <select> they stand for, whose own label (visually hidden in inline rows,
//   templates/admin/edit_inline/tabular.html) the screen reader no longer reaches;
// - Select2's "clear all" cross sits inside its list of chosen items, where only items belong: it
//   is for the mouse (Backspace clears by keyboard), so it is hidden from screen readers;
// - the search icons of the two-list chooser (SelectFilter2) carry an aria-label on a plain
//   <span>, which a screen reader may ignore: they are images, and say so;
// - an open autocomplete box points at its list with aria-owns only, where ARIA 1.2 (and axe-core)
//   asks for aria-controls too.
// Select2 and SelectFilter2 draw their parts after the page has loaded, and again on each change
// and in every inline row added, so the names are given as the parts appear.
"use strict";
{
  const labelFor = (select) => {
    if (!select || !select.id) return null;
    const label = document.querySelector(`label[for="${CSS.escape(select.id)}"]`);
    if (!label) return null;
    if (!label.id) label.id = `${select.id}-label`;
    return label;
  };

  const mend = () => {
    document.querySelectorAll(".select2-container").forEach((container) => {
      const select = container.previousElementSibling;
      const label = select && select.tagName === "SELECT" ? labelFor(select) : null;
      if (!label) return;
      const single = container.querySelector(".select2-selection--single");
      if (single) {
        // The box says the label, then the choice; the choice shown inside (a read-only textbox
        // to Select2, empty when nothing is chosen) is named by the label too.
        const shown = container.querySelector(".select2-selection__rendered");
        const ids = shown && shown.id ? `${label.id} ${shown.id}` : label.id;
        if (single.getAttribute("aria-labelledby") !== ids) single.setAttribute("aria-labelledby", ids);
        if (shown && shown.getAttribute("aria-labelledby") !== label.id) shown.setAttribute("aria-labelledby", label.id);
      }
      const parts = [...container.querySelectorAll(".select2-selection--multiple, .select2-search__field")];
      // The open list's own typing field is drawn at the end of the page, apart from its box.
      if (container.classList.contains("select2-container--open")) {
        parts.push(...document.querySelectorAll(".select2-dropdown .select2-search__field"));
      }
      parts.forEach((part) => {
        if (part.getAttribute("aria-labelledby") !== label.id) part.setAttribute("aria-labelledby", label.id);
      });
    });
    // An open box names its list with aria-owns (ARIA 1.0); ARIA 1.2 asks for aria-controls.
    document.querySelectorAll(".select2-selection[role=combobox]").forEach((box) => {
      const list = box.getAttribute("aria-owns");
      if (list && box.getAttribute("aria-controls") !== list) box.setAttribute("aria-controls", list);
      if (!list && box.hasAttribute("aria-controls")) box.removeAttribute("aria-controls");
    });
    document.querySelectorAll(".select2-selection__clear:not([aria-hidden])").forEach((cross) => {
      cross.setAttribute("aria-hidden", "true");
    });
    document.querySelectorAll(".search-label-icon[aria-label]:not([role])").forEach((icon) => {
      icon.setAttribute("role", "img");
    });
  };

  // Only elements coming and going are watched: mend's own changes are to attributes, and do not
  // wake it again.
  new MutationObserver(mend).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", mend);

  // Select2 draws an open list at the end of <body>, outside the page's landmarks (axe-core:
  // "region"): it is drawn inside <main>. This script is deferred, so it runs after Select2 has
  // loaded and before the admin turns its boxes into Select2 boxes, when the page is ready.
  if (window.django && django.jQuery && django.jQuery.fn.select2) {
    django.jQuery.fn.select2.defaults.set("dropdownParent", "#content-start");
  }
}
