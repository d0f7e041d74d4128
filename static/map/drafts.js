/* sitereg pending drafts (/drafts): every pending draft in the approver's scope, with the same
 * preview as the edit form (gained and lost pieces on the map) and approve / reject. */
(function () {
  "use strict";

  var sitereg = (window.sitereg = window.sitereg || {});
  var T = sitereg.T;
  var esc = sitereg.esc;

  function listOrSayWhy(map, cfg, me) {
    var target = document.getElementById("sr-drafts-list");
    if (!sitereg.mayReview(me)) {
      target.innerHTML = '<p class="sr-empty">' + esc(T(me.authenticated ? "draft.reviewers_only" : "draft.sign_in")) + "</p>";
      return null;
    }
    return sitereg.listDrafts({ map: map, urls: cfg.urls, target: target });
  }

  sitereg.drafts = {
    /** Start the drafts page: the sites for context, then the drafts the caller may review. */
    start: function (map, layers, cfg) {
      sitereg.configure(cfg);
      sitereg.map = map;
      sitereg.panes(map);
      sitereg.statusBox(map);
      sitereg.coordinates(map);
      var loads = sitereg.loadReference(layers, cfg.urls).concat([
        sitereg.loadSites(layers, cfg.sitesUrl),
        sitereg.whoAmI(cfg.urls.me).then(function (me) { return listOrSayWhy(map, cfg, me); }),
      ]);
      sitereg.ready(loads).then(function () {
        sitereg.showForest(map, layers.forest);
      });
    },
  };
})();
