/* sitereg site page (/sites/{code}): the site, its parcels, infrastructure and forest overlap. */
(function () {
  "use strict";

  var sitereg = (window.sitereg = window.sitereg || {});

  sitereg.site = {
    /** Start the site map: Folium built `map` and the (empty) `layers`; fill them. */
    start: function (map, layers, cfg) {
      sitereg.configure(cfg);
      sitereg.map = map;
      sitereg.panes(map);
      sitereg.statusBox(map);
      sitereg.coordinates(map);
      sitereg.zoomClasses(map, 0, 11);
      sitereg.legend(map, ["site", "clearance", "overlap", "forest"], "bottomright");
      sitereg.forestPopups(map, layers.forest);
      var o = sitereg.layerOptions;
      var focus = { style: sitereg.style.siteFocus, onEachFeature: o.site.onEachFeature };
      var loads = sitereg.loadReference(layers, cfg.urls).concat([
        sitereg.loadLayer(layers.forest_overlap, cfg.urls.forest_overlap, o.forestPiece, "forest_overlap"),
        sitereg.loadLayer(layers.clearance_parcels, cfg.urls.clearance_parcels, o.parcel, "clearance_parcels"),
        sitereg.loadLayer(layers.infrastructure, cfg.urls.infrastructure, o.infrastructure, "infrastructure"),
        sitereg.loadLayer(layers.site, cfg.urls.site, focus, "site"),
      ]);
      sitereg.ready(loads).then(function () {
        sitereg.showForest(map, layers.forest);
      });
    },
  };
})();
