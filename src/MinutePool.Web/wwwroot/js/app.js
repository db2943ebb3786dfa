// The app's only script of its own (the CSP allows no inline script). Print buttons ([data-print]) print
// the page. Charts: draws every <canvas data-chart="{...}"> with Chart.js. The server renders the data (and the same numbers
// as a table beside each chart), so this file only styles it. Series differ by colour AND by fill pattern,
// so a chart reads without colour vision too; values are minutes.
(function () {
  "use strict";

  var colours = ["#2453d4", "#d9730d", "#17663a", "#a3211b", "#6b3fa0", "#0e7c86", "#8a6d00", "#5b6475"];

  // A small tile per series: solid, stripes, dots, cross-hatch, ... drawn over the series colour.
  function pattern(index) {
    var colour = colours[index % colours.length];
    var kind = index % 6;
    var tile = document.createElement("canvas");
    tile.width = tile.height = 8;
    var g = tile.getContext("2d");
    g.fillStyle = colour;
    g.fillRect(0, 0, 8, 8);
    g.strokeStyle = "rgba(255,255,255,0.75)";
    g.fillStyle = "rgba(255,255,255,0.75)";
    g.lineWidth = 1.5;
    g.beginPath();
    if (kind === 1) { g.moveTo(0, 8); g.lineTo(8, 0); }
    else if (kind === 2) { g.arc(4, 4, 1.4, 0, Math.PI * 2); g.fill(); }
    else if (kind === 3) { g.moveTo(0, 4); g.lineTo(8, 4); }
    else if (kind === 4) { g.moveTo(0, 0); g.lineTo(8, 8); g.moveTo(8, 0); g.lineTo(0, 8); }
    else if (kind === 5) { g.moveTo(4, 0); g.lineTo(4, 8); }
    g.stroke();
    return g.createPattern(tile, "repeat");
  }

  function draw(canvas) {
    if (canvas.dataset.rendered || typeof Chart === "undefined") {
      return;
    }

    var spec = JSON.parse(canvas.dataset.chart);
    var datasets = spec.series.map(function (s, i) {
      return {
        label: s.label,
        data: s.values,
        backgroundColor: pattern(i),
        borderColor: colours[i % colours.length],
        borderWidth: 1,
        stack: spec.stacked ? "usage" : undefined,
      };
    });
    new Chart(canvas, {
      type: "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + c.formattedValue + " min"; } } },
        },
        scales: {
          x: { stacked: !!spec.stacked },
          y: { stacked: !!spec.stacked, beginAtZero: true, title: { display: true, text: "minutes" } },
        },
      },
    });
    canvas.dataset.rendered = "true";
  }

  function drawAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  document.addEventListener("click", function (e) {
    if (e.target instanceof Element && e.target.closest("[data-print]")) {
      window.print();
    }
  });
  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  // Pages reached through htmx's boosted links are swapped in without a page load.
  document.addEventListener("htmx:load", function (e) { drawAll(e.target); });
})();
