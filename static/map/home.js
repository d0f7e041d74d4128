/* sitereg registry map (/): fills Folium's layer groups, adds search, legend and coordinates. */
(function () {
  "use strict";

  var sitereg = (window.sitereg = window.sitereg || {});
  var T = sitereg.T;
  var esc = sitereg.esc;
  var PARCELS_FROM_ZOOM = 12;
  var LABELS_FROM_ZOOM = 11;
  var SEARCH_LIMIT = 8;

  /** Zoom to a site, show its layer group if it was switched off, and open its popup. */
  function showSite(map, code) {
    var entry = (sitereg.sites || {})[code];
    if (!entry) {
      return false;
    }
    if (!map.hasLayer(entry.group)) {
      map.addLayer(entry.group);
    }
    map.fitBounds(entry.layer.getBounds(), { maxZoom: 14, padding: [40, 40] });
    entry.layer.eachLayer(function (layer) {
      layer.openPopup();
    });
    return true;
  }

  function resultItem(map, feature, list, input) {
    var p = feature.properties;
    var item = document.createElement("li");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sr-search-result";
    button.setAttribute("data-code", p.code);
    button.innerHTML = esc(p.name) + "<small>" + esc(T("kind." + p.kind)) + " · " + esc(p.province) + " · " + esc(p.code) + "</small>";
    button.addEventListener("click", function (event) {
      // The list is emptied below, so Leaflet could no longer tell that the click came from a
      // control and would close the popup as a map click: stop the click here.
      L.DomEvent.stop(event);
      input.value = p.name;
      list.innerHTML = "";
      showSite(map, p.code);
    });
    item.appendChild(button);
    return item;
  }

  async function runSearch(map, text, list, input) {
    var url = sitereg.config.searchUrl + "?limit=" + SEARCH_LIMIT + "&q=" + encodeURIComponent(text);
    var response = await fetch(url, { headers: { Accept: "application/geo+json" } });
    var page = response.ok ? await response.json() : { features: [] };
    if (input.value.trim() !== text) {
      return; // the user typed on; a newer search will answer
    }
    list.innerHTML = "";
    if (!page.features.length) {
      list.innerHTML = '<li class="sr-muted">' + esc(T("search.none")) + "</li>";
      return;
    }
    page.features.forEach(function (feature) {
      list.appendChild(resultItem(map, feature, list, input));
    });
  }

  /** Add the search box: name or code, with or without diacritics (the API folds them). */
  function addSearch(map) {
    var control = L.control({ position: "topleft" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "sr-control sr-search");
      div.setAttribute("role", "search");
      div.innerHTML =
        '<label class="sr-visually-hidden" for="sr-search-input">' + esc(T("search.label")) + "</label>" +
        '<input id="sr-search-input" type="search" autocomplete="off" placeholder="' + esc(T("search.placeholder")) +
        '" title="' + esc(T("search.label")) + '">' +
        '<ul class="sr-search-results" aria-live="polite"></ul>';
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      var input = div.querySelector("input");
      var list = div.querySelector("ul");
      var timer = null;
      input.addEventListener("input", function () {
        clearTimeout(timer);
        var text = input.value.trim();
        if (text.length < 2) {
          list.innerHTML = "";
          return;
        }
        timer = setTimeout(function () {
          runSearch(map, text, list, input);
        }, 250);
      });
      input.addEventListener("keydown", function (event) {
        var first = list.querySelector("button");
        if (event.key === "Enter" && first) {
          first.click();
        }
      });
      return div;
    };
    control.addTo(map);
    map.zoomControl.remove();
    map.zoomControl.addTo(map); // below the search box
  }

  sitereg.home = {
    /** Start the registry map: Folium built `map` and the (empty) `layers`; fill them. */
    start: function (map, layers, cfg) {
      sitereg.configure(cfg);
      sitereg.map = map;
      sitereg.panes(map);
      addSearch(map);
      sitereg.coordinates(map); // bottom-left, from the bottom up: scale, coordinates, status, legend
      sitereg.statusBox(map);
      sitereg.legend(map, ["sites", "labels", "clearance", "zoomNote", "forest", "other", "basemap"], "bottomleft"); // west: no sites
      sitereg.layerSwitcher(map, true);
      sitereg.zoomClasses(map, PARCELS_FROM_ZOOM, LABELS_FROM_ZOOM);
      sitereg.forestPopups(map, layers.forest);
      var o = sitereg.layerOptions;
      var loads = sitereg.loadReference(layers, cfg.urls).concat([
        sitereg.loadLayer(layers.clearance_parcels, cfg.urls.clearance_parcels, o.parcel, "clearance_parcels"),
        sitereg.loadLayer(layers.infrastructure, cfg.urls.infrastructure, o.infrastructure, "infrastructure"),
        sitereg.loadSites(layers, cfg.sitesUrl),
      ]);
      sitereg.ready(loads).then(function () {
        sitereg.showForest(map, layers.forest);
      });
    },
    showSite: showSite,
  };
})();
