/* Draws the statistics charts from the JSON embedded by the templates (json_script). Chart.js is vendored
   (chart.umd.min.js, MIT). Without JavaScript the tables next to each chart carry the same figures. */
(function () {
  "use strict";
  // printed, a dashboard shows what its figures count: "Cách tính các số liệu" and the other folded sections are
  // opened for the print and closed again after (a printed page kept them folded, so the definitions were lost)
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("main details:not([open])").forEach(function (d) { d.open = true; opened.push(d); });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var C = { early: "#1b6e2d", onTime: "#4f9d5d", late: "#a50e0e", received: "#0b4ea2", resolved: "#6b7280",
            pending: "#d97706", rate: "#7c3aed" };
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  // the legends come from the page (data-* attributes of the canvas, in the interface language); numbers are
  // written as the page writes them (75,00 % in Vietnamese, 75.00 % in English)
  var english = (document.documentElement.lang || "vi").indexOf("en") === 0;
  // the axes' and tooltips' counts too (1.234 on a Vietnamese page, whatever the browser's own language)
  Chart.defaults.locale = english ? "en-GB" : "vi-VN";
  function pct(v) { return v === null || v === undefined ? "—" : v.toLocaleString(english ? "en-GB" : "vi-VN") + " %"; }
  function label(canvas, key, fallback) { return (canvas && canvas.dataset[key]) || fallback; }
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation = false;

  var result = data("chart-result-data");
  if (result) {
    new Chart(document.getElementById("chart-result"), {
      type: "doughnut",
      data: { labels: result.labels, datasets: [{ data: result.values, backgroundColor: [C.early, C.onTime, C.late] }] },
      options: { plugins: { legend: { position: "bottom" } }, maintainAspectRatio: false }  // beside the ring, not at the box's far edge
    });
  }
  var m = data("chart-monthly-data");
  if (m) {
    var mc = document.getElementById("chart-monthly");
    new Chart(mc, {
      data: {
        labels: m.labels,
        datasets: [
          { type: "bar", label: label(mc, "received", "Tiếp nhận"), data: m.received, backgroundColor: C.received, stack: "in" },
          { type: "bar", label: label(mc, "early", "Trước hạn"), data: m.early, backgroundColor: C.early, stack: "out" },
          { type: "bar", label: label(mc, "onTime", "Đúng hạn"), data: m.on_time, backgroundColor: C.onTime, stack: "out" },
          { type: "bar", label: label(mc, "late", "Quá hạn"), data: m.late, backgroundColor: C.late, stack: "out" },
          { type: "line", label: label(mc, "pending", "Đang xử lý (cuối tháng)"), data: m.pending, borderColor: C.pending,
            backgroundColor: C.pending },
          { type: "line", label: label(mc, "rate", "Tỷ lệ đúng hạn (%)"), data: m.on_time_rate, borderColor: C.rate,
            backgroundColor: C.rate, yAxisID: "rate", spanGaps: true },
          { type: "line", label: label(mc, "online", "Trực tuyến (%)"), data: m.online_share, borderColor: "#0891b2",
            backgroundColor: "#0891b2", yAxisID: "rate", borderDash: [4, 4], spanGaps: true }
        ]
      },
      options: {
        maintainAspectRatio: false,
        scales: { x: { stacked: true },
                  y: { stacked: true, beginAtZero: true, title: { display: true, text: label(mc, "axis", "Số hồ sơ") } },
                  rate: { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false }, title: { display: true, text: "%" } } }
      }
    });
  }
  function rateBars(id, d, horizontal) {
    if (!d) { return; }
    var canvas = document.getElementById(id);
    if (horizontal) {
      // one row per field, every label shown: Chart.js would skip every other name to fit a fixed height
      canvas.parentNode.style.height = Math.max(160, 26 * d.labels.length + 40) + "px";
    }
    var categories = { ticks: { autoSkip: false } };
    new Chart(canvas, {
      type: "bar",
      data: { labels: d.labels, datasets: [{ label: label(canvas, "rate", "Tỷ lệ trước và đúng hạn (%)"), data: d.on_time_rate,
        backgroundColor: d.on_time_rate.map(function (v) { return v === null ? "#ccc" : (v >= 95 ? C.early : (v >= 80 ? C.pending : C.late)); }) }] },
      options: { indexAxis: horizontal ? "y" : "x", maintainAspectRatio: false,
        scales: horizontal ? { x: { min: 0, max: 100 }, y: categories } : { x: categories, y: { min: 0, max: 100 } },
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: function (c) { return pct(c.raw); } } } } }
    });
  }
  rateBars("chart-fields", data("chart-fields-data"), true);
  // on a phone the ranking's twenty-odd agencies do not fit side by side: one row each, as the fields
  rateBars("chart-ranking", data("chart-ranking-data"), window.matchMedia("(max-width: 40em)").matches);
})();
