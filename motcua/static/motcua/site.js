// Behaviour every page shares, kept out of the HTML: the Content-Security-Policy (motcua/settings.py, SECURE_CSP)
// runs no inline event handler, and inline <script> elements only with the response's nonce.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // The language chooser applies the language as soon as one is picked (its OK button is for pages without script).
  var select = document.getElementById("lang-select");
  if (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  }
});
