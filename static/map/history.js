/* sitereg site history (site page): the tabs, the list of the site's versions, and any earlier
 * version's outline drawn dashed beside the current one. */
(function () {
  "use strict";

  var sitereg = (window.sitereg = window.sitereg || {});
  var T = sitereg.T;
  var esc = sitereg.esc;
  var num = sitereg.num;
  var state = { map: null, cfg: null, group: null, loaded: false };
  // Black and finely dashed: unlike every site colour and the indicative outlines' dashes.
  var OUTLINE = { color: "#111111", weight: 2.5, opacity: 0.9, dashArray: "3 5", fill: false, className: "sr-version", interactive: false };

  function $(id) {
    return document.getElementById(id);
  }

  function day(text) {
    return text ? String(text).slice(0, 16).replace("T", " ") : "—";
  }

  function decisionText(version) {
    var decision = version.decision || {};
    var number = version.decision_number || decision.number;
    var date = version.decision_date || decision.decision_date || decision.date;
    return number ? esc(number) + (date ? " (" + esc(date) + ")" : "") : "—";
  }

  function row(version) {
    var who = (version.operation ? T("history.op_" + version.operation) : "") + '<br><small class="sr-muted sr-source-note">' +
      esc(version.actor || "") + "</small>";
    var why = decisionText(version) + (version.reason ? '<br><small class="sr-muted sr-source-note">' + esc(version.reason) + "</small>" : "");
    return (
      '<tr data-version="' + esc(version.version) + '"><td><button type="button" class="sr-version-show">' + esc(version.version) +
      "</button></td><td>" + esc(day(version.recorded_from)) + "</td><td>" + who + "</td><td>" + why +
      '</td><td class="sr-num">' + num(version.area_ha, 2) + " ha</td><td>" + esc(version.status ? T("status." + version.status) : "") +
      "</td></tr>"
    );
  }

  function renderVersions(versions) {
    var head = ["fact.version", "history.from", "history.actor", "history.decision", "fact.area", "fact.status"];
    return (
      '<p class="sr-hint">' + esc(T("history.hint")) + '</p><table class="sr-table sr-history"><thead><tr>' +
      head.map(function (key) { return "<th>" + esc(T(key)) + "</th>"; }).join("") + "</tr></thead><tbody>" +
      versions.map(row).join("") + "</tbody></table>"
    );
  }

  /** Draw one version's outline, dashed, beside the current one. */
  async function showVersion(version) {
    var url = state.cfg.urls.version.replace("{version}", encodeURIComponent(version));
    var answer = await sitereg.send("GET", url);
    state.group.clearLayers();
    if (!answer.ok || !answer.body.geometry) {
      $("sr-history-note").innerHTML = sitereg.failure(answer, "history.error");
      return;
    }
    $("sr-history-note").textContent = T("history.shown") + " " + version;
    var layer = L.geoJSON(answer.body, { pane: "srProposal", style: OUTLINE });
    state.group.addLayer(layer);
    state.map.fitBounds(layer.getBounds(), { padding: [40, 40], maxZoom: 16 });
    document.documentElement.setAttribute("data-sr-version-shown", String(version));
  }

  /** Load (again) the list of versions into the history tab. */
  async function load() {
    var answer = await sitereg.send("GET", state.cfg.urls.history);
    var target = $("sr-history");
    if (!answer.ok) {
      target.innerHTML = sitereg.failure(answer, "history.error");
      return;
    }
    var versions = Array.isArray(answer.body) ? answer.body : answer.body.versions || [];
    target.innerHTML = versions.length ? renderVersions(versions) : '<p class="sr-empty">' + esc(T("history.none")) + "</p>";
    target.querySelectorAll(".sr-version-show").forEach(function (button) {
      button.addEventListener("click", function () {
        showVersion(button.closest("tr").getAttribute("data-version"));
      });
    });
    state.loaded = true;
    document.documentElement.setAttribute("data-sr-history", String(versions.length));
  }

  function select(name) {
    document.querySelectorAll(".sr-tabs [data-tab]").forEach(function (tab) {
      var on = tab.getAttribute("data-tab") === name;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      $("sr-tab-" + tab.getAttribute("data-tab")).hidden = !on;
    });
    if (name === "history" && !state.loaded) {
      load();
    }
    if (name !== "history") {
      state.group.clearLayers();
    }
  }

  sitereg.history = {
    /** Wire the tabs; the history loads when its tab is first opened. */
    start: function (map, cfg) {
      state.map = map;
      state.cfg = cfg;
      state.group = L.featureGroup().addTo(map);
      document.querySelectorAll(".sr-tabs [data-tab]").forEach(function (tab) {
        tab.addEventListener("click", function () { select(tab.getAttribute("data-tab")); });
      });
    },
    /** Reload the versions after a change, if the tab was opened. */
    refresh: function () {
      if (state.loaded) {
        load();
      }
    },
  };
})();
