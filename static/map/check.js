/* sitereg boundary check (/check): draw or upload a boundary, POST it to the analysis API,
 * show the report and draw the overlapping pieces. Nothing is stored on the server. */
(function () {
  "use strict";

  var sitereg = (window.sitereg = window.sitereg || {});
  var T = sitereg.T;
  var esc = sitereg.esc;
  var num = sitereg.num;
  var state = { map: null, layers: null, cfg: null };

  /** Put Leaflet.draw's toolbar and tooltips into the page language. */
  function translateDraw() {
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
  }

  function table(head, body, foot) {
    var html = '<table class="sr-table"><thead><tr>';
    head.forEach(function (cell) {
      html += "<th" + (cell.num ? ' class="sr-num"' : "") + ">" + esc(cell.text) + "</th>";
    });
    html += "</tr></thead><tbody>";
    body.forEach(function (row) {
      html += "<tr>" + row.map(function (cell, i) {
        return "<td" + (head[i].num ? ' class="sr-num"' : "") + ">" + cell + "</td>";
      }).join("") + "</tr>";
    });
    html += "</tbody>";
    if (foot) {
      html += "<tfoot><tr>" + foot.map(function (cell, i) {
        return "<th" + (head[i].num ? ' class="sr-num"' : "") + ">" + cell + "</th>";
      }).join("") + "</tr></tfoot>";
    }
    return html + "</table>";
  }

  var CRS_FROM = { file: "check.crs_from_file", parameter: "check.crs_from_parameter", "default (RFC 7946)": "check.crs_from_default" };
  var CATEGORY_ORDER = ["special_use", "protection", "production"];

  function factsTable(report) {
    var crsFrom = CRS_FROM[report.crs_from] ? T(CRS_FROM[report.crs_from]) : report.crs_from;
    var rows = [
      ["check.file_name", esc(report.file_name)],
      ["check.source_crs", esc(report.source_crs) + ' <span class="sr-muted">(' + esc(crsFrom) + ")</span>"],
      ["check.features", esc(report.features)],
      ["check.area", "<strong>" + num(report.area_ha, 2) + " ha</strong>"],
      ["check.area_vn2000", report.area_vn2000_ha === null ? "—" : num(report.area_vn2000_ha, 2) + " ha (" + esc(report.vn2000_zone) + ")"],
      ["fact.province", esc(report.province || "—")],
    ];
    return '<table class="sr-facts">' + rows.map(function (row) {
      return '<tr><th scope="row">' + esc(T(row[0])) + "</th><td>" + row[1] + "</td></tr>";
    }).join("") + "</table>";
  }

  function forestSection(report) {
    var synthetic = (report.forest_datasets || []).some(function (d) { return d.synthetic; });
    var html = "<h3>" + esc(T("check.forest")) + " " + (synthetic ? sitereg.badge("synthetic") : "") + "</h3>";
    var forest = report.forest;
    if (!(report.forest_datasets || []).length) {
      return html + '<p class="sr-warn">' + esc(T("common.no_forest_layer")) + "</p>";
    }
    if (!forest.by_category.length) {
      return html + "<p>" + esc(T("common.none")) + "</p>";
    }
    var ordered = forest.by_category.slice().sort(function (a, b) {
      return CATEGORY_ORDER.indexOf(a.category) - CATEGORY_ORDER.indexOf(b.category) || (a.origin < b.origin ? -1 : 1);
    });
    var body = ordered.map(function (item) {
      return [
        '<span class="sr-swatch sr-swatch--' + esc(item.category) + '"></span>' + esc(T("forest." + item.category)),
        esc(T("origin." + item.origin)), num(item.overlap_ha, 2), num(item.share_pct, 1), esc(item.parcels),
      ];
    });
    var head = [
      { text: T("fact.category") }, { text: T("fact.origin") }, { text: "ha", num: true },
      { text: "%", num: true }, { text: T("site.parcels"), num: true },
    ];
    var foot = [esc(T("common.total")), "", num(forest.forest_total_ha, 2), num(forest.share_pct, 1), ""];
    return html + table(head, body, foot);
  }

  function listSection(titleKey, items, describe) {
    var html = "<h3>" + esc(T(titleKey)) + "</h3>";
    if (!items.length) {
      return html + "<p>" + esc(T("common.none")) + "</p>";
    }
    return html + "<ul>" + items.map(function (item) { return "<li>" + describe(item) + "</li>"; }).join("") + "</ul>";
  }

  function sitesSection(report) {
    var html = "<h3>" + esc(T("check.sites")) + "</h3>";
    if (!report.sites.length) {
      return html + "<p>" + esc(T("common.none")) + "</p>";
    }
    var head = [
      { text: T("fact.name") }, { text: "ha", num: true },
      { text: T("check.share_of_site"), num: true }, { text: T("check.share_of_proposal"), num: true },
    ];
    var body = report.sites.map(function (hit) {
      return [
        '<a href="' + esc(sitereg.siteLink(hit.code)) + '">' + esc(hit.name) + "</a><br><small class=\"sr-muted\">" +
          esc(T("kind." + hit.kind)) + "</small>",
        num(hit.overlap_ha, 2), num(hit.share_of_site_pct, 1), num(hit.share_of_proposal_pct, 1),
      ];
    });
    return html + table(head, body);
  }

  function renderReport(report) {
    var unit = function (hit) { return esc(hit.name) + ": " + num(hit.overlap_ha, 2) + " ha"; };
    return (
      '<h2 id="sr-report-title">' + esc(T("check.report")) + "</h2>" + factsTable(report) + forestSection(report) +
      listSection("check.protected", report.protected_areas, function (area) {
        return unit(area) + (area.outline_indicative ? " " + sitereg.badge("indicative") : "");
      }) +
      sitesSection(report) +
      listSection("check.provinces", report.provinces, unit) +
      listSection("check.districts", report.districts, unit)
    );
  }

  function renderProblem(problem) {
    var details = (problem.errors || []).map(function (item) {
      return "<li>" + esc(item.pointer ? item.pointer + ": " : "") + esc(item.detail) + "</li>";
    }).join("");
    return (
      '<div class="sr-error" role="alert"><strong>' + esc(T("check.error")) + "</strong>: " + esc(problem.title || "") +
      "<br>" + esc(problem.detail || "") + (details ? "<ul>" + details + "</ul>" : "") + "</div>"
    );
  }

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

  /** POST the boundary twice (report, then overlap pieces) and show both. */
  async function runCheck(body, contentType, crs) {
    var target = document.getElementById("sr-report");
    target.innerHTML = '<p class="sr-muted">' + esc(T("check.running")) + "</p>";
    var query = crs ? "?crs=" + encodeURIComponent(crs) : "";
    var headers = contentType ? { "Content-Type": contentType } : {};
    var response = await fetch(state.cfg.urls.check + query, { method: "POST", body: body, headers: headers });
    var answer = await response.json();
    if (!response.ok) {
      target.innerHTML = renderProblem(answer);
      state.layers.overlaps.clearLayers();
      return;
    }
    target.innerHTML = renderReport(answer);
    var separator = query ? "&" : "?";
    var pieces = await fetch(state.cfg.urls.check + query + separator + "format=geojson", { method: "POST", body: body, headers: headers });
    if (pieces.ok) {
      showPieces(await pieces.json());
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

  var PROPOSAL_STYLE = { weight: 3, fill: false };

  function onDrawn(event) {
    state.layers.proposal.clearLayers(); // one proposal at a time; Leaflet.draw adds the new one
    event.layer.setStyle(Object.assign({ color: sitereg.color("proposal") }, PROPOSAL_STYLE));
    var feature = event.layer.toGeoJSON();
    runCheck(JSON.stringify(feature), "application/geo+json", null);
  }

  function onEdited() {
    var collection = state.layers.proposal.toGeoJSON();
    if (collection.features.length) {
      runCheck(JSON.stringify(collection), "application/geo+json", null);
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
    await runCheck(data, null, crs);
    var pieces = state.layers.overlaps.getLayers();
    if (pieces.length && pieces[0].getBounds().isValid()) {
      state.map.fitBounds(pieces[0].getBounds(), { padding: [40, 40], maxZoom: 15 });
    }
    showUploadedOutline(data, crs);
  }

  /** Draw the uploaded boundary itself: the API returns its pieces, so ask for the GeoJSON. */
  function showUploadedOutline(data, crs) {
    var file = data.get("file");
    if (!/\.(geo)?json$/i.test(file.name) || crs) {
      return; // only plain WGS 84 GeoJSON can be drawn as sent
    }
    file.text().then(function (text) {
      try {
        showProposal(JSON.parse(text));
      } catch (error) {
        console.warn("sitereg: uploaded file is not GeoJSON", error.message);
      }
    });
  }

  sitereg.check = {
    /** Start the check page: Folium built `map`, the layer groups and (next) the draw tools. */
    start: function (map, layers, cfg) {
      sitereg.configure(cfg);
      state = { map: map, layers: layers, cfg: cfg };
      sitereg.map = map;
      sitereg.panes(map);
      translateDraw();
      sitereg.statusBox(map);
      sitereg.coordinates(map);
      sitereg.legend(map, ["check", "sites", "forest"], "bottomright", true);
      sitereg.forestPopups(map, layers.forest);
      map.on("draw:drawstart", function () { map._srSuppressForestClick = true; });
      map.on("draw:drawstop", function () { map._srSuppressForestClick = false; });
      map.on("draw:created", onDrawn);
      map.on("draw:edited", onEdited);
      map.on("draw:deleted", function () {
        state.layers.overlaps.clearLayers();
        document.getElementById("sr-report").innerHTML = '<p class="sr-empty">' + esc(T("check.empty")) + "</p>";
      });
      document.getElementById("sr-upload").addEventListener("submit", onUpload);
      var loads = sitereg.loadReference(layers, cfg.urls).concat([sitereg.loadSites(layers, cfg.sitesUrl)]);
      sitereg.ready(loads).then(function () {
        sitereg.showForest(map, layers.forest);
      });
    },
  };
})();
