/* sitereg map pages, shared code: texts, number formats, colours, layer styles, popups,
 * GeoJSON loading, the coordinates readout and the "page ready" signal the tests wait for.
 * Every label comes from the translation table (app/map/i18n.py), sent as config.texts. */
(function () {
  "use strict";

  var sitereg = (window.sitereg = window.sitereg || {});
  var config = { lang: "vi", texts: {} };
  var colors = {};
  var INDICATIVE_DASH = "7 5";

  /** Keep the page's config (language, texts, URLs). */
  sitereg.configure = function (cfg) {
    config = cfg;
    sitereg.config = cfg;
  };

  /** Return the label of `key` in the page language. */
  function T(key) {
    var text = config.texts[key];
    return text === undefined ? key : text;
  }
  sitereg.T = T;

  /** Escape text for HTML. */
  function esc(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  sitereg.esc = esc;

  /** Format a number the page language's way (1.234,5 in Vietnamese). */
  function num(value, digits) {
    if (value === null || value === undefined || isNaN(value)) {
      return "—";
    }
    var locale = config.lang === "vi" ? "vi-VN" : "en-GB";
    return new Intl.NumberFormat(locale, {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(value);
  }
  sitereg.num = num;

  /** Return a colour defined in sitereg.css (--sr-<name>). */
  function color(name) {
    if (!(name in colors)) {
      var value = getComputedStyle(document.documentElement).getPropertyValue("--sr-" + name);
      colors[name] = value.trim() || "#555555";
    }
    return colors[name];
  }
  sitereg.color = color;

  /** Return the badge of an indicative outline or a synthetic layer. */
  function badge(kind) {
    return (
      '<span class="sr-badge sr-badge--' + kind + '" title="' + esc(T("badge." + kind + "_hint")) + '">' +
      esc(T("badge." + kind)) + "</span>"
    );
  }
  sitereg.badge = badge;

  function isIndicative(properties) {
    return properties.geometry_source === "indicative";
  }

  // ---------------------------------------------------------------- panes
  // Drawing order does not depend on which layer's data arrives first: each layer has a pane.
  // Sites sit above their parcels so that their outlines stay visible; once parcels show
  // (zoomed in), sitereg.css drops the sites' fill so the parcels can be clicked through it.
  // The offline base map sits over online tiles (200) and under the data; site names sit
  // over the commune names (tooltips, 650) and under popups (700).
  var PANES = {
    srBasemap: 250, srReference: 405, srParcels: 415, srSites: 420, srInfra: 440, srPieces: 450, srProposal: 460,
    srLabels: 655,
  };

  /** Create sitereg's panes on a map (above Leaflet's overlay pane, below tooltips). */
  sitereg.panes = function (map) {
    Object.keys(PANES).forEach(function (name) {
      if (!map.getPane(name)) {
        map.createPane(name).style.zIndex = String(PANES[name]);
      }
    });
  };

  // ---------------------------------------------------------------- styles
  sitereg.style = {
    site: function (feature) {
      var p = feature.properties;
      var c = color("kind-" + p.kind);
      var classes = "sr-site sr-site--" + p.kind + (isIndicative(p) ? " sr-indicative" : "");
      return {
        color: c, weight: 2, opacity: 0.95, fillColor: c, fillOpacity: 0.22,
        dashArray: isIndicative(p) ? INDICATIVE_DASH : null, className: classes,
      };
    },
    siteFocus: function (feature) {
      var style = sitereg.style.site(feature);
      style.weight = 3.5;
      style.fill = false; // the parcels and forest pieces inside stay clickable
      return style;
    },
    parcel: function (feature) {
      var c = color("clearance-" + feature.properties.status);
      return { color: c, weight: 0.7, opacity: 0.9, fillColor: c, fillOpacity: 0.6, className: "sr-parcel" };
    },
    infrastructure: function (feature) {
      var c = color("infrastructure");
      var line = /LineString/.test(feature.geometry.type);
      // Areas are outlines only: they cover whole sites, whose parcels must stay clickable.
      return {
        color: c, weight: line ? 3.5 : 1.5, opacity: 0.9, fill: false,
        dashArray: isIndicative(feature.properties) ? INDICATIVE_DASH : null, className: "sr-infrastructure",
      };
    },
    protectedArea: function () {
      var c = color("protected");
      return { color: c, weight: 2, fillColor: c, fillOpacity: 0.07, dashArray: INDICATIVE_DASH, className: "sr-protected" };
    },
    province: function () {
      return { color: color("province"), weight: 2.5, opacity: 0.8, fill: false, interactive: false, dashArray: "10 4 2 4" };
    },
    forestPiece: function (feature) {
      var category = (feature.properties.category || feature.properties.label || "").split("/")[0];
      var c = color("forest-" + category);
      return { color: "#06331b", weight: 1, fillColor: c, fillOpacity: 0.85, className: "sr-forest-piece" };
    },
  };

  /** Style a forest vector-tile feature by category (fill) and origin (darker when natural). */
  function forestStyle(properties, zoom) {
    var c = color("forest-" + properties.category);
    var natural = properties.origin === "natural";
    return {
      fill: true, fillColor: c, fillOpacity: natural ? 0.55 : 0.28,
      stroke: zoom >= 11, color: c, weight: 0.6, opacity: 0.8,
    };
  }

  // VectorGrid looks its style up by the tile's layer name; every name gets the forest style.
  sitereg.forest = {
    styles: typeof Proxy === "function" ? new Proxy({}, { get: function () { return forestStyle; } }) : { forest: forestStyle },
    featureId: function (feature) {
      return feature.properties.code;
    },
  };

  // ---------------------------------------------------------------- popups
  function rows(pairs) {
    var html = "<table>";
    pairs.forEach(function (pair) {
      if (pair[1] !== null && pair[1] !== undefined && pair[1] !== "") {
        html += "<tr><th>" + esc(T(pair[0])) + "</th><td>" + pair[1] + "</td></tr>";
      }
    });
    return html + "</table>";
  }

  function siteLink(code) {
    return config.siteUrl.replace("{code}", encodeURIComponent(code));
  }
  sitereg.siteLink = siteLink;

  function areaText(p) {
    var text = num(p.area_ha, 1) + " ha";
    if (p.area_difference_pct !== null && p.area_difference_pct !== undefined) {
      text += ' <span class="sr-muted">(' + (p.area_difference_pct > 0 ? "+" : "") + num(p.area_difference_pct, 1) + " %)</span>";
    }
    return text;
  }

  sitereg.popup = {
    site: function (p) {
      return (
        '<div class="sr-popup"><h3>' + esc(p.name) + "</h3>" +
        '<p class="sr-tags"><span class="sr-tag sr-tag--' + esc(p.kind) + '">' + esc(T("kind." + p.kind)) + "</span> " +
        '<span class="sr-tag">' + esc(T("status." + p.status)) + "</span> " + (isIndicative(p) ? badge("indicative") : "") + "</p>" +
        rows([
          ["fact.code", esc(p.code)],
          ["fact.province", esc(p.province)],
          ["fact.communes", esc((p.communes || []).join(", "))],
          ["fact.planned_area", p.planned_area_ha === null ? "—" : num(p.planned_area_ha, 1) + " ha"],
          ["fact.computed_area", areaText(p)],
          ["fact.geometry_source", esc(T("source." + p.geometry_source))],
        ]) +
        '<a class="sr-popup__link" href="' + esc(siteLink(p.code)) + '">' + esc(T("common.details")) + " →</a></div>"
      );
    },
    parcel: function (p) {
      return (
        '<div class="sr-popup"><h3>' + esc(T("fact.parcel")) + " " + esc(p.code) + " " + badge("synthetic") + "</h3>" +
        rows([
          ["fact.site", '<a href="' + esc(siteLink(p.site_code)) + '">' + esc(p.site_code) + "</a>"],
          ["fact.status", esc(T("clearance." + p.status))],
          ["fact.status_date", esc(p.status_date)],
          ["fact.area", num(p.area_ha, 2) + " ha"],
        ]) + "</div>"
      );
    },
    infrastructure: function (p) {
      return (
        '<div class="sr-popup"><h3>' + esc(p.name) + " " + (isIndicative(p) ? badge("indicative") : "") + "</h3>" +
        rows([
          ["fact.kind", esc(T("infra." + p.kind))],
          ["fact.status", esc(T("infra_status." + p.status))],
          ["fact.length", p.stated_length_km ? num(p.stated_length_km, 1) + " km" : null],
          ["fact.capital_state", p.capital_state_budget_bn_vnd ? num(p.capital_state_budget_bn_vnd, 0) : null],
          ["fact.capital_enterprise", p.capital_enterprise_bn_vnd ? num(p.capital_enterprise_bn_vnd, 0) : null],
          ["fact.legal_basis", esc(p.legal_basis)],
          ["fact.site", p.site_code ? '<a href="' + esc(siteLink(p.site_code)) + '">' + esc(p.site_code) + "</a>" : null],
        ]) + "</div>"
      );
    },
    forest: function (p) {
      return (
        '<div class="sr-popup"><h3>' + esc(T("forest." + p.category)) + " " + badge("synthetic") + "</h3>" +
        rows([
          ["fact.origin", esc(T("origin." + p.origin))],
          ["fact.code", esc(p.code)],
        ]) + "</div>"
      );
    },
    forestPiece: function (p) {
      var parts = (p.label || "").split("/");
      var category = p.category || parts[0];
      var origin = p.origin || parts[1];
      return (
        '<div class="sr-popup"><h3>' + esc(T("forest." + category)) + " " + badge("synthetic") + "</h3>" +
        rows([
          ["fact.origin", esc(T("origin." + origin))],
          ["fact.code", esc(p.parcel_code || p.code)],
          ["fact.area", num(p.overlap_ha, 2) + " ha"],
        ]) + "</div>"
      );
    },
    protectedArea: function (p) {
      return (
        '<div class="sr-popup"><h3>' + esc(p.name) + " " + badge("indicative") + "</h3>" +
        rows([
          ["fact.designation", esc(p.designation)],
          ["fact.stated_area", esc(p.stated_area)],
          ["fact.legal_basis", esc(p.legal_basis)],
        ]) + "</div>"
      );
    },
  };

  // ---------------------------------------------------------------- loading
  /** Return an absolute link's path and query, to fetch from this page's origin. */
  function samePath(href) {
    var target = new URL(href, location.href);
    return target.pathname + target.search;
  }

  /** Fetch every page of a GeoJSON FeatureCollection, following its "next" links. */
  async function fetchAll(url) {
    var features = [];
    var next = url;
    while (next) {
      var response = await fetch(next, { headers: { Accept: "application/geo+json, application/json" } });
      if (!response.ok) {
        throw new Error(response.status + " " + next);
      }
      var page = await response.json();
      if (page.type === "Feature") {
        return [page];
      }
      features = features.concat(page.features || []);
      var link = (page.links || []).filter(function (item) { return item.rel === "next"; })[0];
      // The link's path on this page's own origin: a server whose public address differs
      // from the one this page was opened at (localhost against 127.0.0.1) stays reachable.
      next = link && page.features && page.features.length ? samePath(link.href) : null;
    }
    return features;
  }
  sitereg.fetchAll = fetchAll;

  /** Load a GeoJSON layer into a layer group; failures are shown on the map, not thrown. */
  sitereg.loadLayer = function (group, url, options, name) {
    return fetchAll(url).then(
      function (features) {
        var layer = L.geoJSON({ type: "FeatureCollection", features: features }, options);
        group.addLayer(layer);
        return layer;
      },
      function (error) {
        sitereg.notice(T("common.load_error") + ": " + T("layer." + name), true);
        console.warn("sitereg:", name, error.message);
        return null;
      }
    );
  };

  /** Layer options (style, popup, tooltip) of the layers every map shows. */
  sitereg.layerOptions = {
    site: {
      pane: "srSites",
      style: sitereg.style.site,
      onEachFeature: function (feature, layer) {
        layer.bindPopup(sitereg.popup.site(feature.properties), { maxWidth: 340 });
        layer.bindTooltip(esc(feature.properties.name), { sticky: true, direction: "top", opacity: 0.9 });
      },
    },
    parcel: {
      pane: "srParcels",
      style: sitereg.style.parcel,
      onEachFeature: function (feature, layer) {
        layer.bindPopup(sitereg.popup.parcel(feature.properties));
      },
    },
    infrastructure: {
      pane: "srInfra",
      style: sitereg.style.infrastructure,
      onEachFeature: function (feature, layer) {
        layer.bindPopup(sitereg.popup.infrastructure(feature.properties));
        layer.bindTooltip(esc(feature.properties.name), { sticky: true });
      },
    },
    protectedArea: {
      pane: "srReference",
      style: sitereg.style.protectedArea,
      pointToLayer: function (feature, latlng) {
        var c = color("protected");
        return L.circleMarker(latlng, { radius: 7, color: "#ffffff", weight: 2, fillColor: c, fillOpacity: 0.95, className: "sr-protected", pane: "srReference" });
      },
      onEachFeature: function (feature, layer) {
        layer.bindPopup(sitereg.popup.protectedArea(feature.properties));
        layer.bindTooltip(esc(feature.properties.name), { sticky: true });
      },
    },
    commune: {
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, {
          radius: 2.5, color: color("commune"), weight: 1, fillOpacity: 0.8, interactive: false, pane: "srReference",
        });
      },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(esc(feature.properties.name), {
          permanent: true, direction: "right", className: "sr-commune-label", offset: [4, 0],
        });
      },
    },
    province: { pane: "srReference", style: sitereg.style.province, interactive: false },
    forestPiece: {
      pane: "srPieces",
      style: sitereg.style.forestPiece,
      onEachFeature: function (feature, layer) {
        layer.bindPopup(sitereg.popup.forestPiece(feature.properties));
      },
    },
  };

  /** Load the sites into one group per kind; returns {code: layer}. */
  sitereg.loadSites = function (groups, url) {
    return fetchAll(url).then(
      function (features) {
        var byCode = {};
        features.forEach(function (feature) {
          var group = groups["sites_" + feature.properties.kind];
          if (!group) {
            return;
          }
          var layer = L.geoJSON(feature, sitereg.layerOptions.site);
          group.addLayer(layer);
          if (groups.site_labels && sitereg.siteLabel) {
            group.addLayer(sitereg.siteLabel(feature, layer)); // shown and hidden with its kind
          }
          byCode[feature.properties.code] = { layer: layer, group: group };
        });
        sitereg.sites = byCode;
        if (groups.site_labels && sitereg.map) {
          sitereg.labels(sitereg.map, groups.site_labels);
        }
        return byCode;
      },
      function (error) {
        sitereg.notice(T("common.load_error") + ": " + T("legend.sites"), true);
        console.warn("sitereg: sites", error.message);
        return {};
      }
    );
  };

  /** Load the reference layers: the offline base map, provinces, communes, protected areas. */
  sitereg.loadReference = function (layers, urls) {
    return [
      layers.basemap && sitereg.map ? sitereg.loadBasemap(sitereg.map, layers.basemap, urls) : null,
      sitereg.loadLayer(layers.provinces, urls.provinces, sitereg.layerOptions.province, "provinces"),
      sitereg.loadLayer(layers.communes, urls.communes, sitereg.layerOptions.commune, "communes"),
      sitereg.loadLayer(layers.protected_areas, urls.protected_areas, sitereg.layerOptions.protectedArea, "protected_areas"),
    ];
  };

  // VectorGrid 1.3 calls L.DomEvent.fakeStop, which Leaflet 1.8 removed (Leaflet.VectorGrid#274).
  if (window.L && L.DomEvent && !L.DomEvent.fakeStop) {
    L.DomEvent.fakeStop = function (event) {
      event._stopped = true;
    };
  }

  /** Open a popup with the forest parcel's facts when a forest tile feature is clicked. */
  sitereg.forestPopups = function (map, tiles) {
    if (!tiles || !tiles.on) {
      return;
    }
    tiles.on("click", function (event) {
      if (map._srSuppressForestClick) {
        return;
      }
      L.popup().setLatLng(event.latlng).setContent(sitereg.popup.forest(event.layer.properties)).openOn(map);
    });
  };

  // ---------------------------------------------------------------- controls
  var statusControl = null;

  /** Show a short message in the map's status box (warnings stay). */
  sitereg.notice = function (text, warn) {
    if (!statusControl) {
      return;
    }
    var div = statusControl.getContainer();
    div.style.display = text ? "" : "none";
    div.textContent = text;
    div.classList.toggle("sr-warn", Boolean(warn));
    if (warn) {
      sitereg.warned = true;
    }
  };

  /** Add the status box ("Loading…", load failures). */
  sitereg.statusBox = function (map) {
    statusControl = L.control({ position: "bottomleft" });
    statusControl.onAdd = function () {
      return L.DomUtil.create("div", "sr-control sr-status");
    };
    statusControl.addTo(map);
    sitereg.notice(T("common.loading"));
  };

  /** Add the cursor coordinates readout: WGS 84, or VN-2000 TM-3 (click to switch). */
  sitereg.coordinates = function (map) {
    var modes = ["wgs84"].concat(Object.keys(config.vn2000 || {}).sort().reverse());
    var mode = 0;
    var last = null;
    var control = L.control({ position: "bottomleft" });
    var button;

    function render() {
      var name = modes[mode];
      if (!last) {
        button.textContent = (name === "wgs84" ? T("coords.wgs84") : T("coords.vn2000_" + name)) + " · " + T("coords.hint");
        return;
      }
      if (name === "wgs84") {
        button.textContent = T("coords.wgs84") + " · " + num(last.lat, 5) + "° " + T("coords.north") + ", " +
          num(last.lng, 5) + "° " + T("coords.east");
        return;
      }
      var xy = proj4(config.vn2000[name], [last.lng, last.lat]);
      button.textContent = T("coords.vn2000_" + name) + " · X = " + num(xy[1], 0) + " m, Y = " + num(xy[0], 0) + " m";
    }

    control.onAdd = function () {
      button = L.DomUtil.create("button", "sr-control sr-coords");
      button.type = "button";
      button.title = T("coords.switch");
      L.DomEvent.disableClickPropagation(button);
      L.DomEvent.on(button, "click", function () {
        mode = (mode + 1) % modes.length;
        render();
      });
      render();
      return button;
    };
    control.addTo(map);
    map.on("mousemove", function (event) {
      last = event.latlng;
      render();
    });
  };

  /** Show parcels and commune labels only when zoomed in far enough to read them. */
  sitereg.zoomClasses = function (map, parcelsFrom, labelsFrom) {
    function update() {
      var container = map.getContainer();
      container.classList.toggle("sr-zoom-parcels", map.getZoom() >= parcelsFrom);
      container.classList.toggle("sr-zoom-labels", map.getZoom() >= labelsFrom);
    }
    map.on("zoomend", update);
    update();
  };

  /** Switch the forest tiles on once the GeoJSON layers are drawn: decoding and painting a
   * screenful of tiles of a 200 000-polygon layer would otherwise delay them (and queue their
   * requests behind the browser's six connections). */
  sitereg.showForest = function (map, tiles) {
    if (tiles && !map.hasLayer(tiles)) {
      map.addLayer(tiles);
    }
  };

  /** Put Leaflet.draw's toolbar and tooltips into the page language. */
  sitereg.translateDraw = function () {
    var local = L.drawLocal;
    local.draw.toolbar.buttons.polygon = T("draw.polygon");
    local.draw.toolbar.buttons.rectangle = T("draw.rectangle");
    local.draw.toolbar.actions.text = T("draw.cancel");
    local.draw.toolbar.actions.title = T("draw.cancel");
    local.draw.toolbar.finish.text = T("draw.finish");
    local.draw.toolbar.finish.title = T("draw.finish");
    local.draw.toolbar.undo.text = T("draw.undo");
    local.draw.toolbar.undo.title = T("draw.undo");
    local.draw.handlers.polygon.tooltip.start = T("draw.start");
    local.draw.handlers.polygon.tooltip.cont = T("draw.continue");
    local.draw.handlers.polygon.tooltip.end = T("draw.close");
    local.draw.handlers.rectangle.tooltip.start = T("draw.rectangle_start");
    local.draw.handlers.simpleshape.tooltip.end = T("draw.release");
    local.edit.toolbar.buttons.edit = T("draw.edit");
    local.edit.toolbar.buttons.remove = T("draw.remove");
    local.edit.toolbar.actions.save.text = T("draw.finish");
    local.edit.toolbar.actions.cancel.text = T("draw.cancel");
  };

  /** While a shape is drawn, let the map have every press: the forest tiles' canvas would
   * take a press on a forest parcel (VectorGrid stops it), and a click that places a vertex
   * must not open the forest popup under it. */
  sitereg.quietWhileDrawing = function (map) {
    map.on("draw:drawstart", function () {
      map._srSuppressForestClick = true;
      map.getContainer().classList.add("sr-drawing");
    });
    map.on("draw:drawstop", function () {
      map._srSuppressForestClick = false;
      map.getContainer().classList.remove("sr-drawing");
    });
  };

  /** Mark the page as ready once the first loads have settled (the browser tests wait on it). */
  sitereg.ready = function (loads) {
    return Promise.all(loads).then(function () {
      if (!sitereg.warned) {
        sitereg.notice("");
      }
      document.documentElement.setAttribute("data-sr-ready", "true");
    });
  };

  /** Wire the print buttons. */
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("button.sr-print"), function (button) {
      button.addEventListener("click", function () {
        window.print();
      });
    });
  });
})();
