/* sitereg map pages: the offline base map and the site-name labels.
 *
 * The base map needs no tile server: land of Vietnam and its neighbours, the international
 * border and the larger rivers (static/map/basemap.geojson, built by scripts/build_basemap.py
 * from Natural Earth and OpenStreetMap data packaged on the npm registry), under the
 * registry's own province boundaries. It is a base layer: the layer switcher offers it, the
 * online tiles (when configured) and none.
 *
 * Site names are permanent labels from zoom 12, above the commune names; a label that would
 * overlap one already placed is hidden (sites first, larger sites first, then communes). */
(function () {
  "use strict";

  var sitereg = (window.sitereg = window.sitereg || {});
  var SITE_LABELS_FROM_ZOOM = 12;
  var LAND = { vietnam: "land", china: "neighbour", laos: "neighbour" };

  function basemapStyle(feature) {
    var layer = feature.properties.layer;
    if (layer === "land") {
      var fill = sitereg.color("basemap-" + (LAND[feature.properties.country] || "neighbour"));
      return { stroke: false, fillColor: fill, fillOpacity: 1 };
    }
    if (layer === "border") {
      return { color: sitereg.color("basemap-border"), weight: 2.5, opacity: 0.9, dashArray: "12 4 2 4", fill: false };
    }
    if (layer === "river") {
      var water = sitereg.color("basemap-water");
      return { color: water, weight: 1.4, opacity: 1, fillColor: water, fillOpacity: 1 };
    }
    // The registry's provinces (neighbours are clipped): thin lines under everything.
    return { color: sitereg.color("basemap-admin"), weight: 1, opacity: 0.9, fill: false };
  }

  /** Fill the offline base-map group: background, then the provinces over it. */
  sitereg.loadBasemap = function (map, group, urls) {
    var options = {
      pane: "srBasemap",
      style: basemapStyle,
      interactive: false,
      attribution: sitereg.T("basemap.attribution"),
    };
    return Promise.all([sitereg.fetchAll(urls.basemap), sitereg.fetchAll(urls.basemap_provinces)]).then(
      function (parts) {
        group.addLayer(L.geoJSON({ type: "FeatureCollection", features: parts[0] }, options));
        group.addLayer(L.geoJSON({ type: "FeatureCollection", features: parts[1] }, options));
      },
      function (error) {
        sitereg.notice(sitereg.T("common.load_error") + ": " + sitereg.T("layer.basemap_offline"), true);
        console.warn("sitereg: basemap", error.message);
      }
    );
  };

  /** Name the layer switcher's button in the page language; open it when `open` and the
   * screen is wide (Leaflet folds it again when the pointer leaves it). */
  sitereg.layerSwitcher = function (map, open) {
    var box = map.getContainer().querySelector(".leaflet-control-layers");
    if (!box) {
      return;
    }
    var toggle = box.querySelector(".leaflet-control-layers-toggle");
    if (toggle) {
      toggle.title = sitereg.T("layers.toggle");
      toggle.setAttribute("aria-label", sitereg.T("layers.toggle"));
    }
    if (open && window.matchMedia("(min-width: 901px)").matches) {
      box.classList.add("leaflet-control-layers-expanded");
    }
  };

  // ---------------------------------------------------------------- labels
  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  /** Hide every label that would overlap one placed before it (site names come first). */
  function declutter(map) {
    var container = map.getContainer();
    var view = container.getBoundingClientRect();
    var sites = Array.prototype.slice.call(container.querySelectorAll(".sr-site-label"));
    sites.sort(function (a, b) {
      return Number(b.getAttribute("data-sr-area")) - Number(a.getAttribute("data-sr-area"));
    });
    var communes = Array.prototype.slice.call(container.querySelectorAll(".sr-commune-label"));
    var placed = [];
    sites.concat(communes).forEach(function (label) {
      label.classList.remove("sr-label-hidden");
      var box = (label.firstElementChild || label).getBoundingClientRect();
      if (!box.width || !overlaps(box, view)) {
        return; // not drawn at this zoom, or outside the map
      }
      if (placed.some(function (other) { return overlaps(box, other); })) {
        label.classList.add("sr-label-hidden");
      } else {
        placed.push(box);
      }
    });
  }
  sitereg.declutter = declutter;

  /** Return the label marker of one site: its name at the centre of its outline. */
  sitereg.siteLabel = function (feature, layer) {
    var p = feature.properties;
    var icon = L.divIcon({
      className: "sr-site-label sr-site-label--" + p.kind,
      html: "<span>" + sitereg.esc(p.name) + "</span>",
      iconSize: null,
    });
    var marker = L.marker(layer.getBounds().getCenter(), {
      icon: icon, interactive: false, keyboard: false, pane: "srLabels",
    });
    marker.on("add", function () {
      marker.getElement().setAttribute("data-sr-area", String(p.area_ha || 0));
      marker.getElement().setAttribute("data-sr-code", p.code);
    });
    return marker;
  };

  /** Show site names from zoom 12 while the "site names" group is on; keep labels apart. */
  sitereg.labels = function (map, switchGroup) {
    var container = map.getContainer();
    function update() {
      container.classList.toggle("sr-zoom-site-labels", map.getZoom() >= SITE_LABELS_FROM_ZOOM);
      container.classList.toggle("sr-site-labels-off", Boolean(switchGroup) && !map.hasLayer(switchGroup));
      // At the next frame: Leaflet places some labels after "moveend". The attribute says the
      // labels of this zoom are placed (the browser tests wait for it).
      requestAnimationFrame(function () {
        declutter(map);
        container.setAttribute("data-sr-labels", String(map.getZoom()));
      });
    }
    map.on("movestart", function () {
      container.removeAttribute("data-sr-labels");
    });
    map.on("moveend overlayadd overlayremove", update);
    update();
    return update;
  };
})();
