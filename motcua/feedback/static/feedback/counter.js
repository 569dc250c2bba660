// The counter's rating screen asks for its panel every few seconds and swaps it when the dossier changes (a new
// result handed over, or the rating just given). If the answer is not a panel (the session ended: the sign-in
// page), the whole page is reloaded so the tablet shows what the server says.
(function () {
  "use strict";
  var main = document.getElementById("main");
  var seconds = parseInt(main.getAttribute("data-refresh"), 10) || 4;
  function panel() {
    return document.getElementById("counter-panel");
  }
  function ask() {
    var key = panel().getAttribute("data-key");
    var url = window.location.pathname + "?panel=1&key=" + encodeURIComponent(key);
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok || response.redirected) {
          throw new Error("not a panel");
        }
        return response.status === 204 ? null : response.text(); // 204: nothing changed
      })
      .then(function (html) {
        if (html === null) {
          return;
        }
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#counter-panel");
        if (!fresh) {
          throw new Error("not a panel");
        }
        if (fresh.getAttribute("data-key") !== panel().getAttribute("data-key")) {
          panel().replaceWith(fresh);
          var done = document.querySelector(".messages");
          if (done) {
            done.remove(); // the thanks belonged to the previous applicant
          }
        }
      })
      .catch(function () {
        window.location.reload();
      })
      .finally(function () {
        window.setTimeout(ask, seconds * 1000);
      });
  }
  window.setTimeout(ask, seconds * 1000);
  // the thanks after a rating is for the applicant who just rated: gone before the next one steps up
  window.setTimeout(function () {
    var done = document.querySelector(".messages");
    if (done) {
      done.remove();
    }
  }, 10000);
})();
