/* sitereg site page (/sites/{code}): the site, its parcels, infrastructure and forest overlap;
 * for signed-in editors and approvers also the edit tools and the site's pending drafts. */
(function () {
  "use strict";

  var sitereg = (window.sitereg = window.sitereg || {});
  var state = { map: null, layers: null, cfg: null };

  /** Draw the site's outline again from the API, past the browser's cache (after a change). */
  async function refresh() {
    var response = await fetch(state.cfg.urls.site, { headers: { Accept: "application/geo+json" }, cache: "reload" });
    if (!response.ok) {
      return;
    }
    var focus = { style: sitereg.style.siteFocus, onEachFeature: sitereg.layerOptions.site.onEachFeature };
    state.layers.site.clearLayers();
    state.layers.site.addLayer(L.geoJSON(await response.json(), focus));
    sitereg.history.refresh();
    document.documentElement.setAttribute("data-sr-refreshed", String(Date.now()));
  }

  /** Show the edit tools and this site's pending drafts to those who may use them. */
  function startChanges(map, cfg) {
    var panel = document.getElementById("sr-drafts");
    var drafts = {
      map: map, urls: cfg.urls, code: cfg.code, target: document.getElementById("sr-drafts-list"),
      onDone: function () {
        sitereg.drawPreview(map, null);
        refresh();
      },
    };
    sitereg.refreshDrafts = function () {
      if (panel && !panel.hidden) {
        sitereg.listDrafts(drafts);
      }
    };
    return sitereg.whoAmI(cfg.urls.me).then(function (me) {
      sitereg.edit.start(map, cfg, me);
      if (panel && sitereg.mayReview(me)) {
        panel.hidden = false;
        return sitereg.listDrafts(drafts);
      }
    });
  }

  sitereg.site = {
    refresh: refresh,
    /** Start the site map: Folium built `map` and the (empty) `layers`; fill them. */
    start: function (map, layers, cfg) {
      sitereg.configure(cfg);
      state = { map: map, layers: layers, cfg: cfg };
      sitereg.map = map;
      sitereg.panes(map);
      sitereg.statusBox(map);
      sitereg.coordinates(map);
      sitereg.zoomClasses(map, 0, 11);
      sitereg.legend(map, ["site", "clearance", "overlap", "forest", "basemap"], "bottomright");
      sitereg.layerSwitcher(map, false);
      sitereg.forestPopups(map, layers.forest);
      var o = sitereg.layerOptions;
      var focus = { style: sitereg.style.siteFocus, onEachFeature: o.site.onEachFeature };
      var loads = sitereg.loadReference(layers, cfg.urls).concat([
        sitereg.loadLayer(layers.forest_overlap, cfg.urls.forest_overlap, o.forestPiece, "forest_overlap"),
        sitereg.loadLayer(layers.clearance_parcels, cfg.urls.clearance_parcels, o.parcel, "clearance_parcels"),
        sitereg.loadLayer(layers.infrastructure, cfg.urls.infrastructure, o.infrastructure, "infrastructure"),
        sitereg.loadLayer(layers.site, cfg.urls.site, focus, "site"),
        startChanges(map, cfg),
      ]);
      sitereg.history.start(map, cfg);
      sitereg.ready(loads).then(function () {
        sitereg.showForest(map, layers.forest);
      });
    },
  };
})();
