/* sitereg map legend: a collapsible control built from sections, in the page language. */
(function () {
  "use strict";

  var sitereg = (window.sitereg = window.sitereg || {});

  function esc(text) {
    return sitereg.esc(text);
  }

  function T(key) {
    return sitereg.T(key);
  }

  function swatch(style) {
    var dash = style.dash ? ' stroke-dasharray="' + style.dash + '"' : "";
    if (style.line) {
      return '<svg width="26" height="12" aria-hidden="true"><line x1="1" y1="6" x2="25" y2="6" stroke="' + style.color +
        '" stroke-width="' + (style.width || 3) + '"' + dash + "/></svg>";
    }
    if (style.dot) {
      return '<svg width="26" height="12" aria-hidden="true"><circle cx="13" cy="6" r="' + style.dot + '" fill="' + style.color +
        '" stroke="#fff"/></svg>';
    }
    return '<svg width="26" height="14" aria-hidden="true"><rect x="1.5" y="1.5" width="23" height="11" rx="1" fill="' +
      (style.fill || "none") + '" fill-opacity="' + (style.opacity === undefined ? 0.5 : style.opacity) + '" stroke="' + style.color +
      '" stroke-width="' + (style.width || 2) + '"' + dash + "/></svg>";
  }

  function row(style, label) {
    return '<div class="sr-legend__row">' + swatch(style) + "<span>" + label + "</span></div>";
  }

  function filled(name, opacity) {
    var c = sitereg.color(name);
    return { color: c, fill: c, opacity: opacity };
  }

  var SECTIONS = {
    sites: function () {
      var html = "<h2>" + esc(T("legend.sites")) + "</h2>";
      ["industrial_zone", "industrial_cluster", "mining_site", "relocation_area"].forEach(function (kind) {
        html += row(filled("kind-" + kind, 0.3), esc(T("kind." + kind)));
      });
      return html + row({ color: "#555", opacity: 0, dash: "5 3" }, esc(T("legend.indicative")) + " " + sitereg.badge("indicative"));
    },
    clearance: function () {
      var html = "<h2>" + esc(T("legend.clearance")) + " " + sitereg.badge("synthetic") + "</h2>";
      ["not_started", "compensating", "cleared", "handed_over"].forEach(function (status) {
        html += row(filled("clearance-" + status, 0.7), esc(T("clearance." + status)));
      });
      return html;
    },
    zoomNote: function () {
      return '<p class="sr-legend__note">' + esc(T("legend.zoom_in")) + "</p>";
    },
    forest: function () {
      var html = "<h2>" + esc(T("legend.forest")) + " " + sitereg.badge("synthetic") + "</h2>";
      ["special_use", "protection", "production"].forEach(function (category) {
        html += row(filled("forest-" + category, 0.6), esc(T("forest." + category)));
      });
      return html + '<p class="sr-legend__note">' + esc(T("legend.natural_planted")) + "</p>";
    },
    overlap: function () {
      return (
        "<h2>" + esc(T("layer.forest_overlap")) + "</h2>" +
        row({ color: "#06331b", fill: sitereg.color("forest-protection"), opacity: 0.85, width: 1 }, esc(T("legend.forest_piece")))
      );
    },
    site: function () {
      var c = sitereg.color("kind-" + (sitereg.config.kind || "industrial_zone"));
      return "<h2>" + esc(T("layer.site")) + "</h2>" + row({ color: c, opacity: 0, width: 3 }, esc(T("legend.site_outline")));
    },
    check: function () {
      return (
        "<h2>" + esc(T("check.report")) + "</h2>" +
        row({ color: sitereg.color("proposal"), opacity: 0, width: 3 }, esc(T("layer.proposal"))) +
        row({ color: sitereg.color("overlap-site"), opacity: 0, width: 3 }, esc(T("legend.site_piece"))) +
        row({ color: "#06331b", fill: sitereg.color("forest-protection"), opacity: 0.85, width: 1 }, esc(T("legend.forest_piece")))
      );
    },
    labels: function () {
      return (
        "<h2>" + esc(T("layer.site_labels")) + "</h2>" +
        '<div class="sr-legend__row"><span class="sr-legend__sample--site">' + esc(T("legend.site_label")) + "</span></div>" +
        '<div class="sr-legend__row"><span class="sr-legend__sample--commune">' + esc(T("legend.commune_label")) + "</span></div>"
      );
    },
    basemap: function () {
      var c = sitereg.color;
      return (
        "<h2>" + esc(T("legend.basemap")) + "</h2>" +
        row({ color: c("basemap-water"), fill: c("basemap-water"), opacity: 1, width: 1 }, esc(T("legend.river"))) +
        row({ color: c("basemap-border"), line: true, width: 2.5, dash: "8 3 2 3" }, esc(T("legend.border"))) +
        row({ color: "#c9c6bd", fill: c("basemap-neighbour"), opacity: 1, width: 1 }, esc(T("legend.neighbour")))
      );
    },
    other: function () {
      var c = sitereg.color;
      return (
        "<h2>" + esc(T("legend.other")) + "</h2>" +
        row({ color: c("protected"), fill: c("protected"), opacity: 0.1, dash: "5 3" }, esc(T("layer.protected_areas"))) +
        row({ color: c("infrastructure"), line: true, dash: "5 3" }, esc(T("layer.infrastructure"))) +
        row({ color: c("province"), line: true, width: 2.5, dash: "8 3 2 3" }, esc(T("layer.provinces"))) +
        row({ color: c("commune"), dot: 3 }, esc(T("layer.communes")))
      );
    },
  };

  /** Add a collapsible legend with the given sections (sites, clearance, forest, ...). */
  sitereg.legend = function (map, sections, position, collapsed) {
    var control = L.control({ position: position || "bottomright" });
    // On a phone the legend starts folded: the map is the page.
    collapsed = collapsed || window.matchMedia("(max-width: 600px)").matches;
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "sr-control sr-legend" + (collapsed ? " sr-collapsed" : ""));
      var body = sections.map(function (name) { return SECTIONS[name](); }).join("");
      div.innerHTML =
        '<div class="sr-legend__title"><span>' + esc(T("legend.title")) + '</span><button type="button" aria-expanded="' +
        String(!collapsed) + '" title="' + esc(T("legend.toggle")) + '" aria-label="' + esc(T("legend.toggle")) + '">' + (collapsed ? "▸" : "▾") + "</button></div>" +
        '<div class="sr-legend__body">' + body + "</div>";
      var button = div.querySelector("button");
      button.addEventListener("click", function () {
        var closed = div.classList.toggle("sr-collapsed");
        button.setAttribute("aria-expanded", String(!closed));
        button.textContent = closed ? "▸" : "▾";
      });
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    control.addTo(map);
    return control;
  };
})();
