// Behaviour every page shares, kept out of the HTML: the Content-Security-Policy (motcua/settings.py, SECURE_CSP)
// runs no inline event handler, and inline <script> elements only with the response's nonce.
"use strict";
// The header's menu button (base.html): on a phone the navigation and the language fold under it. It is shown and
// the menu folded only here, so a page whose script did not run keeps every link in view; Escape closes the menu
// and gives the focus back to the button. Run at once (the script is deferred: the header is parsed), not at
// DOMContentLoaded, so the header folds as early as it can.
(function () {
  var toggle = document.querySelector(".site-header .menu-toggle");
  var menu = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  if (!menu) return;
  var header = toggle.closest(".site-header");
  function isOpen() {
    return toggle.getAttribute("aria-expanded") === "true";
  }
  toggle.hidden = false;
  header.classList.add("menu-ready");
  toggle.addEventListener("click", function () {
    toggle.setAttribute("aria-expanded", isOpen() ? "false" : "true");
  });
  header.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && isOpen() && toggle.offsetParent !== null) {
      toggle.setAttribute("aria-expanded", "false");
      toggle.focus();
    }
  });
})();

document.addEventListener("DOMContentLoaded", function () {
  // A row of tabs that scrolls sideways on a phone (the staff inbox): the open tab in view, without moving the page.
  document.querySelectorAll(".tabs").forEach(function (tabs) {
    var open = tabs.querySelector("[aria-current=page]");
    if (open && tabs.scrollWidth > tabs.clientWidth) {
      tabs.scrollLeft = open.parentNode.offsetLeft - tabs.offsetLeft - 16;
    }
  });
  // The language chooser applies the language as soon as one is picked (its OK button is for pages without script).
  var select = document.getElementById("lang-select");
  if (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  }

  // A table wider than the screen scrolls in its box (.table-scroll): on a phone, or for an officer at a narrow
  // window. A box that scrolls must be reachable from the keyboard (WCAG 2.1.1; axe: scrollable-region-focusable),
  // else its hidden columns cannot be read without a mouse: it takes the focus (then the arrow keys scroll it) and
  // is a group named after its table (a group, not a region: a region is a landmark, and the section around the
  // table often is one of the same name). A box that fits takes no tab stop.
  var boxes = document.querySelectorAll(".table-scroll");
  function tableName(table) {
    if (!table) return "";
    if (table.caption) return table.caption.textContent;
    var ids = (table.getAttribute("aria-labelledby") || "").split(/\s+/);
    var parts = ids.map(function (id) {
      var el = id && document.getElementById(id);
      return el ? el.textContent : "";
    });
    return parts.join(" ") || table.getAttribute("aria-label") || "";
  }
  function fitBoxes() {
    boxes.forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "group");
        var name = tableName(box.querySelector("table")).replace(/\s+/g, " ").trim();
        if (name) box.setAttribute("aria-label", name);
      } else if (box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  if (boxes.length) {
    fitBoxes();
    var timer;
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(fitBoxes, 150);
    });
  }

  // An applicant's number (data-kind-field names the form's applicant kind): a person's ID on the number pad, an
  // organisation's tax code on the text keyboard, whose digits row has the hyphen of a branch's "0101234567-001"
  // (the iOS number pad and phone pad have none). The server renders the keyboard of the kind it knows; this follows
  // a change of the kind.
  document.querySelectorAll("input[data-kind-field]").forEach(function (input) {
    var form = input.form;
    var name = input.getAttribute("data-kind-field");
    if (!form || !form.elements[name]) return;
    form.addEventListener("change", function (event) {
      if (event.target.name !== name) return;
      input.setAttribute("inputmode", form.elements[name].value === "organization" ? "text" : "numeric");
    });
  });
});
