/* sitereg boundary check (/check): draw or upload a boundary, POST it to the analysis API,
 * show the report and draw the overlapping pieces. Nothing is stored on the server. */
(function () {
  "use strict";

  var sitereg = (window.sitereg = window.sitereg || {});
  var T = sitereg.T;
  var esc = sitereg.esc;
  var num = sitereg.num;
  var state = { map: null, layers: null, cfg: null, last: null };

  function pieceStyle(feature) {
    var layer = feature.properties.layer;
    if (layer === "forest") {
      return sitereg.style.forestPiece(feature);
    }
    // Outlines only: a filled site piece would tint the forest pieces under it.
    if (layer === "protected_area") {
      return { color: sitereg.color("protected"), weight: 3, fill: false, dashArray: "7 5" };
    }
    return { color: sitereg.color("overlap-site"), weight: 3, fill: false };
  }

  function piecePopup(feature, layer) {
    var p = feature.properties;
    var title = p.layer === "forest" ? sitereg.popup.forestPiece(p) : '<div class="sr-popup"><h3>' + esc(p.label) + "</h3><p>" +
      num(p.overlap_ha, 2) + " ha</p></div>";
    layer.bindPopup(title);
  }

  function showPieces(collection) {
    var group = state.layers.overlaps;
    group.clearLayers();
    group.addLayer(L.geoJSON(collection, { pane: "srPieces", style: pieceStyle, onEachFeature: piecePopup }));
  }

  /** POST the boundary twice (report, then overlap pieces) and show both.
   * An uploaded file comes as FormData, which carries its `crs` as a form field. */
  async function runCheck(body, contentType) {
    var target = document.getElementById("sr-report");
    target.innerHTML = '<p class="sr-muted">' + esc(T("check.running")) + "</p>";
    showDownloads(null);
    var headers = contentType ? { "Content-Type": contentType } : {};
    var response = await fetch(state.cfg.urls.check, { method: "POST", body: body, headers: headers });
    var answer = await response.json();
    if (!response.ok) {
      target.innerHTML = sitereg.report.problem(answer, "check.error");
      state.layers.overlaps.clearLayers();
      if (body instanceof FormData) {
        state.layers.proposal.clearLayers(); // the last file's outline no longer stands for the check
      }
      return;
    }
    target.innerHTML = sitereg.report.render(answer);
    showDownloads({ body: body, headers: headers });
    var pieces = await fetch(state.cfg.urls.check + "?format=geojson", { method: "POST", body: body, headers: headers });
    if (pieces.ok) {
      var collection = await pieces.json();
      showPieces(collection);
      if (collection.proposal && body instanceof FormData) {
        showProposal(collection.proposal); // an uploaded file, whatever its format, as the server read it
      }
    }
    document.documentElement.setAttribute("data-sr-checked", "true");
  }

  function showProposal(geojson) {
    var group = state.layers.proposal;
    group.clearLayers();
    var style = Object.assign({ color: sitereg.color("proposal") }, PROPOSAL_STYLE);
    var layer = L.geoJSON(geojson, { pane: "srProposal", style: style });
    group.addLayer(layer);
    var bounds = layer.getBounds();
    if (bounds.isValid()) {
      state.map.fitBounds(bounds, { padding: [40, 40], maxZoom: 15 });
    }
  }

  var PROPOSAL_STYLE = { weight: 3, fill: false, className: "sr-proposal" };

  function onDrawn(event) {
    state.layers.proposal.clearLayers(); // one proposal at a time; Leaflet.draw adds the new one
    event.layer.setStyle(Object.assign({ color: sitereg.color("proposal") }, PROPOSAL_STYLE));
    var feature = event.layer.toGeoJSON();
    runCheck(JSON.stringify(feature), "application/geo+json");
  }

  function onEdited() {
    var collection = state.layers.proposal.toGeoJSON();
    if (collection.features.length) {
      runCheck(JSON.stringify(collection), "application/geo+json");
    }
  }

  async function onUpload(event) {
    event.preventDefault();
    var form = event.target;
    var file = form.querySelector("input[type=file]").files[0];
    if (!file) {
      return;
    }
    var data = new FormData();
    data.append("file", file, file.name);
    var crs = form.querySelector("select").value;
    if (crs) {
      data.append("crs", crs);
    }
    await runCheck(data, null);
  }

  /** Offer the report downloads for the last successful check (`last`), or hide them. */
  function showDownloads(last) {
    state.last = last;
    document.getElementById("sr-check-downloads").hidden = !last;
  }

  /** POST the last checked boundary to the report endpoint and save the PDF or CSV it returns. */
  async function download(event) {
    var format = event.currentTarget.getAttribute("data-sr-report");
    if (!state.last) {
      return;
    }
    var name = document.getElementById("sr-name").value.trim();
    var query = "?format=" + format + "&lang=" + encodeURIComponent(state.cfg.lang) + (name ? "&name=" + encodeURIComponent(name) : "");
    var response = await fetch(state.cfg.urls.report + query, { method: "POST", body: state.last.body, headers: state.last.headers });
    if (!response.ok) {
      document.getElementById("sr-report").insertAdjacentHTML("beforeend", sitereg.report.problem(await response.json(), "check.error"));
      return;
    }
    var disposition = response.headers.get("Content-Disposition") || "";
    var match = /filename="([^"]+)"/.exec(disposition);
    var link = document.createElement("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = match ? match[1] : "proposal-check." + format;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
  }

  sitereg.check = {
    /** Start the check page: Folium built `map`, the layer groups and (next) the draw tools. */
    start: function (map, layers, cfg) {
      sitereg.configure(cfg);
      state = { map: map, layers: layers, cfg: cfg };
      sitereg.map = map;
      sitereg.panes(map);
      sitereg.translateDraw();
      sitereg.statusBox(map);
      sitereg.coordinates(map);
      sitereg.legend(map, ["check", "sites", "labels", "forest", "basemap"], "bottomright", true);
      sitereg.layerSwitcher(map, false);
      sitereg.forestPopups(map, layers.forest);
      sitereg.quietWhileDrawing(map);
      map.on("draw:created", onDrawn);
      map.on("draw:edited", onEdited);
      map.on("draw:deleted", function () {
        state.layers.overlaps.clearLayers();
        showDownloads(null);
        document.getElementById("sr-report").innerHTML = '<p class="sr-empty">' + esc(T("check.empty")) + "</p>";
      });
      document.getElementById("sr-upload").addEventListener("submit", onUpload);
      Array.prototype.forEach.call(document.querySelectorAll("[data-sr-report]"), function (button) {
        button.addEventListener("click", download);
      });
      var loads = sitereg.loadReference(layers, cfg.urls).concat([sitereg.loadSites(layers, cfg.sitesUrl)]);
      sitereg.ready(loads).then(function () {
        sitereg.showForest(map, layers.forest);
      });
    },
  };
})();
