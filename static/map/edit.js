/* sitereg site editing (site page, for editors, approvers and admins): the attribute form, a new
 * boundary drawn on the map or read from a file, the preview of the change, and the save (a
 * JSON merge patch with If-Match, or a draft waiting for approval). The API decides who may
 * write what; the page only hides the tools from callers who may write nothing. */
(function () {
  "use strict";

  var sitereg = (window.sitereg = window.sitereg || {});
  var T = sitereg.T;
  var esc = sitereg.esc;
  var state = { map: null, cfg: null, feature: null, etag: null, geometry: null, group: null, draw: null };

  function $(id) {
    return document.getElementById(id);
  }

  function inputs() {
    return Array.prototype.slice.call($("sr-edit").querySelectorAll("[data-type]"));
  }

  function shown(value) {
    if (value === null || value === undefined) {
      return "";
    }
    return Array.isArray(value) ? value.join(", ") : String(value);
  }

  var PARSE = {
    number: function (text) { return text === "" ? null : Number(text); },
    integer: function (text) { return text === "" ? null : parseInt(text, 10); },
    bool: function (text) { return text === "" ? null : text === "true"; },
    list: function (text) {
      return text.split(",").map(function (item) { return item.trim(); }).filter(Boolean);
    },
  };

  function parsed(input) {
    var text = input.value.trim();
    var parse = PARSE[input.getAttribute("data-type")];
    return parse ? parse(text) : text === "" ? null : text;
  }

  /** Return the properties whose input differs from the site as read. */
  function changedProperties() {
    var changed = {};
    inputs().forEach(function (input) {
      var value = parsed(input);
      var before = state.feature.properties[input.name];
      if (JSON.stringify(value) !== JSON.stringify(before === undefined ? null : before)) {
        changed[input.name] = value;
      }
    });
    var decision = $("sr-decision").value;
    if (decision) {
      changed.change_decision_id = parseInt(decision, 10);
    }
    var reason = $("sr-reason").value.trim();
    if (reason) {
      changed.change_reason = reason;
    }
    return changed;
  }

  function message(html) {
    $("sr-edit-message").innerHTML = html;
  }

  function clearMarks() {
    $("sr-edit").querySelectorAll(".sr-invalid").forEach(function (element) {
      element.classList.remove("sr-invalid");
      element.removeAttribute("aria-invalid");
    });
  }

  /** Mark the inputs a problem's errors point at (/properties/<name>, /geometry). */
  function markErrors(problem) {
    (problem.errors || []).forEach(function (item) {
      var pointer = item.pointer || "";
      var name = pointer.replace(/^\/properties\//, "").split("/")[0];
      var element = pointer.indexOf("/geometry") === 0 ? $("sr-edit-boundary") : $("sr-edit").querySelector('[name="' + name + '"]');
      if (element) {
        element.classList.add("sr-invalid");
        element.setAttribute("aria-invalid", "true");
      }
    });
  }

  function showFailure(answer, titleKey) {
    message(sitereg.failure(answer, titleKey));
    markErrors(answer.body || {});
  }

  // ---------------------------------------------------------------- boundary
  /** Return the shapes of the edit group as one Polygon or MultiPolygon (CRS84). */
  function drawnGeometry() {
    var polygons = [];
    state.group.toGeoJSON().features.forEach(function (feature) {
      var geometry = feature.geometry;
      if (geometry.type === "Polygon") {
        polygons.push(geometry.coordinates);
      } else if (geometry.type === "MultiPolygon") {
        polygons = polygons.concat(geometry.coordinates);
      }
    });
    if (!polygons.length) {
      return null;
    }
    return polygons.length === 1 ? { type: "Polygon", coordinates: polygons[0] } : { type: "MultiPolygon", coordinates: polygons };
  }

  function setGeometry(geometry, sourceText) {
    state.geometry = geometry;
    $("sr-edit-geometry").textContent = geometry ? sourceText : T("edit.boundary_unchanged");
    sitereg.drawPreview(state.map, null);
  }

  function showShape(geometry) {
    state.group.clearLayers();
    L.geoJSON(geometry, { style: sitereg.editStyle }).eachLayer(function (layer) {
      state.group.addLayer(layer);
    });
    var bounds = state.group.getBounds();
    if (bounds.isValid()) {
      state.map.fitBounds(bounds, { padding: [40, 40], maxZoom: 16 });
    }
  }

  function drawControl() {
    var shape = { shapeOptions: sitereg.editStyle, showArea: false };
    return new L.Control.Draw({
      position: "topleft",
      draw: { polyline: false, circle: false, marker: false, circlemarker: false, rectangle: shape, polygon: Object.assign({ allowIntersection: false }, shape) },
      edit: { featureGroup: state.group, poly: { allowIntersection: false } },
    });
  }

  function startDrawing() {
    if (!state.draw) {
      sitereg.translateDraw();
      state.draw = drawControl();
      state.map.on("draw:created", function (event) {
        state.group.clearLayers(); // the drawn shape replaces the boundary
        state.group.addLayer(event.layer);
        setGeometry(drawnGeometry(), T("edit.boundary_drawn"));
      });
      sitereg.quietWhileDrawing(state.map);
      state.map.on("draw:edited draw:deleted", function () {
        setGeometry(drawnGeometry(), T("edit.boundary_drawn"));
      });
    }
    state.map.addControl(state.draw);
    $("sr-edit-boundary").classList.add("sr-drawing");
  }

  async function useFile() {
    var file = $("sr-edit-file").files[0];
    if (!file) {
      return;
    }
    var data = new FormData();
    data.append("file", file, file.name);
    var crs = $("sr-edit-crs").value;
    var url = state.cfg.urls.boundary + (crs ? "?crs=" + encodeURIComponent(crs) : "");
    var answer = await sitereg.send("POST", url, data);
    if (!answer.ok) {
      showFailure(answer, "edit.file_error");
      return;
    }
    message("");
    showShape(answer.body.geometry);
    var facts = answer.body.properties;
    setGeometry(answer.body.geometry, T("edit.boundary_file") + " " + facts.file_name + " (" + facts.source_crs + ")");
  }

  function keepBoundary() {
    state.group.clearLayers();
    setGeometry(null);
  }

  // ---------------------------------------------------------------- preview and save
  function proposedFeature() {
    return {
      type: "Feature",
      properties: Object.assign({}, state.feature.properties, changedProperties()),
      geometry: state.geometry || state.feature.geometry,
    };
  }

  async function preview() {
    clearMarks();
    $("sr-preview").innerHTML = '<p class="sr-muted">' + esc(T("preview.running")) + "</p>";
    var answer = await sitereg.send("POST", state.cfg.urls.preview, proposedFeature(), { "Content-Type": "application/geo+json" });
    if (!answer.ok) {
      $("sr-preview").innerHTML = "";
      showFailure(answer, "preview.error");
      return;
    }
    message("");
    $("sr-preview").innerHTML = sitereg.renderPreview(answer.body);
    sitereg.drawPreview(state.map, answer.body);
    document.documentElement.setAttribute("data-sr-previewed", "true");
  }

  function patchBody() {
    var body = { properties: changedProperties() };
    if (state.geometry) {
      body.geometry = state.geometry;
    }
    return body;
  }

  function afterSave(answer) {
    if (answer.status === 202) {
      var draft = answer.body.draft || {};
      message('<p class="sr-ok" role="status">' + esc(T("edit.draft_saved")) + " (#" + esc(draft.id) + ")</p>");
      document.documentElement.setAttribute("data-sr-saved", "draft");
      sitereg.refreshDrafts();
      return;
    }
    state.feature = answer.body;
    state.etag = answer.headers.get("ETag") || state.etag;
    message('<p class="sr-ok" role="status">' + esc(T("edit.saved")) + "</p>" + sitereg.warningList(answer.body.warnings));
    document.documentElement.setAttribute("data-sr-saved", "saved");
    keepBoundary();
    sitereg.site.refresh();
  }

  function staleMessage() {
    message(
      '<div class="sr-error" role="alert">' + esc(T("edit.stale")) +
      ' <button type="button" id="sr-edit-reload">' + esc(T("edit.reload")) + "</button></div>"
    );
    $("sr-edit-reload").addEventListener("click", function () { window.location.reload(); });
  }

  async function save(event) {
    event.preventDefault();
    clearMarks();
    var body = patchBody();
    var headers = { "Content-Type": "application/merge-patch+json", "If-Match": state.etag };
    var answer = await sitereg.send("PATCH", state.cfg.urls.item, body, headers);
    if (answer.status === 412) {
      staleMessage();
    } else if (answer.ok) {
      afterSave(answer);
    } else {
      showFailure(answer, "edit.error");
    }
  }

  // ---------------------------------------------------------------- decision picker
  var searchTimer = null;

  async function searchDecisions() {
    var text = $("sr-decision-search").value.trim();
    if (!text) {
      return;
    }
    var answer = await sitereg.send("GET", state.cfg.urls.decisions + "?limit=20&number=" + encodeURIComponent(text));
    var select = $("sr-decision");
    var keep = select.options[0].outerHTML;
    var found = answer.ok ? answer.body.decisions || [] : [];
    select.innerHTML = keep + found.map(function (decision) {
      var label = decision.number + (decision.decision_date ? " — " + decision.decision_date : "") + " · " + decision.issuer;
      return '<option value="' + esc(decision.id) + '">' + esc(label) + "</option>";
    }).join("");
    if (found.length) {
      select.selectedIndex = 1;
    }
  }

  // ---------------------------------------------------------------- open and close
  async function open() {
    var response = await fetch(state.cfg.urls.site, { headers: { Accept: "application/geo+json" }, cache: "reload" });
    if (!response.ok) {
      message(sitereg.report.problem({ detail: response.status + " " + state.cfg.urls.site }, "edit.error"));
      return;
    }
    state.feature = await response.json();
    state.etag = response.headers.get("ETag");
    inputs().forEach(function (input) {
      input.value = shown(state.feature.properties[input.name]);
    });
    $("sr-edit").hidden = false;
    $("sr-edit-open").hidden = true;
    startDrawing();
  }

  function close() {
    $("sr-edit").hidden = true;
    $("sr-edit-open").hidden = false;
    $("sr-preview").innerHTML = "";
    message("");
    keepBoundary();
    if (state.draw) {
      state.map.removeControl(state.draw);
    }
  }

  function wire() {
    $("sr-edit-open").addEventListener("click", open);
    $("sr-edit-cancel").addEventListener("click", close);
    $("sr-edit-keep").addEventListener("click", keepBoundary);
    $("sr-edit-upload").addEventListener("click", useFile);
    $("sr-edit-preview").addEventListener("click", preview);
    $("sr-edit").addEventListener("submit", save);
    $("sr-decision-search").addEventListener("input", function () {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(searchDecisions, 250);
    });
  }

  sitereg.edit = {
    /** Show the edit tools when the caller may write (the page holds them only for writers). */
    start: function (map, cfg, me) {
      if (!$("sr-edit") || !sitereg.mayWrite(me)) {
        return;
      }
      state.map = map;
      state.cfg = cfg;
      state.group = L.featureGroup().addTo(map);
      sitereg.editStyle = { color: sitereg.color("proposal"), weight: 3, fill: false, pane: "srProposal" };
      wire();
      $("sr-edit-tools").hidden = false;
    },
  };
})();
