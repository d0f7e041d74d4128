/* sitereg plan dashboard (/dashboard): the charts (Chart.js); the figures are server-rendered. */
(function () {
  "use strict";

  var sitereg = (window.sitereg = window.sitereg || {});

  function datasets(series, prefix, colorPrefix) {
    return series.map(function (pair) {
      var key = pair[0];
      return {
        label: sitereg.T(prefix + key),
        data: pair[1],
        backgroundColor: sitereg.color(colorPrefix + key),
        borderWidth: 0,
      };
    });
  }

  function barChart(canvasId, data, horizontal) {
    var canvas = document.getElementById(canvasId);
    if (!canvas || !data.labels.length) {
      return null;
    }
    var valueAxis = {
      stacked: true,
      title: { display: true, text: "ha" },
      ticks: { callback: function (value) { return sitereg.num(value, 0); } },
    };
    return new Chart(canvas, {
      type: "bar",
      data: data,
      options: {
        indexAxis: horizontal ? "y" : "x",
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: horizontal ? { x: valueAxis, y: { stacked: true } } : { y: valueAxis, x: { stacked: true } },
        plugins: {
          legend: { position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (item) {
                return item.dataset.label + ": " + sitereg.num(item.raw, 1) + " ha";
              },
            },
          },
        },
      },
    });
  }

  sitereg.dashboard = {
    /** Draw the clearance and forest charts from the server's figures. */
    start: function (cfg) {
      sitereg.configure(cfg);
      document.addEventListener("DOMContentLoaded", function () {
        // Widths set through the DOM: the pages' CSP allows no style="" attribute.
        document.querySelectorAll("[data-sr-pct]").forEach(function (bar) {
          bar.style.width = bar.getAttribute("data-sr-pct") + "%";
        });
        var clearance = cfg.charts.clearance;
        var forest = cfg.charts.forest;
        barChart("sr-chart-clearance", {
          labels: clearance.labels,
          datasets: datasets(clearance.series, "clearance.", "clearance-"),
        }, true);
        barChart("sr-chart-forest", {
          labels: forest.labels,
          datasets: datasets(forest.series, "forest.", "forest-"),
        }, false);
        document.documentElement.setAttribute("data-sr-ready", "true");
      });
    },
  };
})();
