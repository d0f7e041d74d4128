/* sitereg changes, shared by the site page and /drafts: who is signed in, writes that carry the
 * session's CSRF token, the preview of a change (area gained and lost, drawn on the map, and
 * the conflict check of the new outline) and the pending drafts an approver reviews. */
(function () {
  "use strict";

  var sitereg = (window.sitereg = window.sitereg || {});
  var T = sitereg.T;
  var esc = sitereg.esc;
  var num = sitereg.num;
  var caller = null;
  var WRITERS = ["editor", "approver", "admin"];
  var REVIEWERS = ["approver", "admin"];
  var PIECES = {
    gained: { color: "#1a7f37", fillColor: "#2da44e", fillOpacity: 0.45, weight: 2 },
    lost: { color: "#b42318", fillColor: "#e5484d", fillOpacity: 0.45, weight: 2, dashArray: "4 3" },
  };

  /** Ask once who is signed in; anonymous callers and failed answers read as not signed in. */
  sitereg.whoAmI = function (url) {
    if (!caller) {
      caller = fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" })
        .then(function (response) { return response.ok ? response.json() : { authenticated: false }; })
        .catch(function () { return { authenticated: false }; });
    }
    return caller;
  };
  sitereg.mayWrite = function (me) {
    return Boolean(me.authenticated && WRITERS.indexOf(me.role) >= 0);
  };
  sitereg.mayReview = function (me) {
    return Boolean(me.authenticated && REVIEWERS.indexOf(me.role) >= 0);
  };

  /** Send a request with the CSRF token; resolve to {status, ok, body, headers}, never throw. */
  sitereg.send = async function (method, url, body, headers) {
    var me = caller ? await caller : {};
    var all = Object.assign({ Accept: "application/json" }, headers || {});
    if (me.csrf_token) {
      all["X-CSRF-Token"] = me.csrf_token;
    }
    if (body !== undefined && !(body instanceof FormData)) {
      all["Content-Type"] = all["Content-Type"] || "application/json";
      body = JSON.stringify(body);
    }
    try {
      var response = await fetch(url, { method: method, headers: all, body: body, cache: "no-store" });
      var text = await response.text();
      var data = null;
      try {
        data = text ? JSON.parse(text) : null;
      } catch (error) {
        data = { detail: text };
      }
      return { status: response.status, ok: response.ok, body: data || {}, headers: response.headers };
    } catch (error) {
      return { status: 0, ok: false, body: { detail: error.message }, headers: new Headers() };
    }
  };

  /** Return the HTML of a failed answer: a problem's detail, or a plain sentence for 401/403. */
  sitereg.failure = function (answer, titleKey) {
    var body = answer.body || {};
    if ((answer.status === 401 || answer.status === 403) && !body.detail) {
      body = { detail: T("edit.not_allowed") };
    }
    return sitereg.report.problem(body, titleKey);
  };

  /** Draw a preview's gained (green) and lost (red) pieces on `map`, above the sites. */
  sitereg.drawPreview = function (map, preview) {
    if (!map._srPreview) {
      map._srPreview = L.featureGroup().addTo(map);
    }
    var group = map._srPreview;
    group.clearLayers();
    ["gained", "lost"].forEach(function (name) {
      if (preview && preview[name]) {
        var style = Object.assign({ className: "sr-" + name, interactive: false }, PIECES[name]);
        group.addLayer(L.geoJSON(preview[name], { pane: "srProposal", style: style }));
      }
    });
    var bounds = group.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds.pad(0.5), { maxZoom: 16 });
    }
  };

  function swatch(name) {
    return '<span class="sr-swatch sr-swatch--' + name + '"></span>';
  }

  function warningList(warnings) {
    if (!warnings || !warnings.length) {
      return "";
    }
    return '<ul class="sr-warnings">' + warnings.map(function (item) {
      var key = "warning." + item.code;
      var said = T(key) !== key ? T(key) : item.code;
      return '<li class="sr-warn">' + esc(said) + (item.detail ? ' <span class="sr-muted sr-problem-detail" lang="en">(' +
        esc(item.detail) + ")</span>" : "") + "</li>";
    }).join("") + "</ul>";
  }
  sitereg.warningList = warningList;

  /** Return the HTML of a preview: areas before and after, gained and lost, the conflicts. */
  sitereg.renderPreview = function (preview) {
    var rows = [
      ["preview.area_before", num(preview.area_before_ha, 2) + " ha"],
      ["preview.area_after", "<strong>" + num(preview.area_after_ha, 2) + " ha</strong>"],
      ["preview.gained", swatch("gained") + "+" + num(preview.gained_ha, 2) + " ha"],
      ["preview.lost", swatch("lost") + "−" + num(preview.lost_ha, 2) + " ha"],
    ];
    var html = '<h3 id="sr-preview-title">' + esc(T("preview.title")) + '</h3><table class="sr-facts">' +
      rows.map(function (row) {
        return '<tr><th scope="row">' + esc(T(row[0])) + "</th><td>" + row[1] + "</td></tr>";
      }).join("") + "</table>" + warningList(preview.warnings);
    if (preview.conflicts) {
      html += "<h3>" + esc(T("preview.conflicts")) + "</h3>" + sitereg.report.render(preview.conflicts, false);
    }
    return html;
  };

  function draftsOf(body) {
    return Array.isArray(body) ? body : body.drafts || body.items || [];
  }

  function draftItem(draft, withSite) {
    var site = withSite ? '<a href="' + esc(sitereg.siteLink(draft.code)) + '">' + esc(draft.code) + "</a> · " : "";
    return (
      '<li class="sr-draft" data-id="' + esc(draft.id) + '"><p><strong>#' + esc(draft.id) + "</strong> " + site +
      esc(T("draft.by")) + " " + esc(draft.author) + " · " + esc((draft.created_at || "").slice(0, 16).replace("T", " ")) +
      " · " + esc(T("fact.version")) + " " + esc(draft.base_version) + "</p>" +
      (draft.change_reason ? '<p class="sr-muted">' + esc(draft.change_reason) + "</p>" : "") +
      '<p class="sr-actions"><button type="button" data-action="preview">' + esc(T("edit.preview")) + "</button> " +
      '<button type="button" data-action="approve">' + esc(T("draft.approve")) + "</button> " +
      '<button type="button" data-action="reject">' + esc(T("draft.reject")) + "</button></p>" +
      '<label>' + esc(T("draft.reject_reason")) + ' <input type="text" class="sr-draft-reason"></label>' +
      '<div class="sr-draft-result" aria-live="polite"></div></li>'
    );
  }

  async function onDraftAction(options, item, action) {
    var id = item.getAttribute("data-id");
    var result = item.querySelector(".sr-draft-result");
    var base = options.urls.drafts + "/" + encodeURIComponent(id);
    if (action === "preview") {
      var preview = await sitereg.send("GET", base + "/preview");
      result.innerHTML = preview.ok ? sitereg.renderPreview(preview.body) : sitereg.failure(preview, "preview.error");
      if (preview.ok) {
        sitereg.drawPreview(options.map, preview.body);
        document.documentElement.setAttribute("data-sr-draft-previewed", id);
      }
      return;
    }
    var reason = item.querySelector(".sr-draft-reason").value.trim();
    var answer = action === "approve" ? await sitereg.send("POST", base + "/approve") :
      await sitereg.send("POST", base + "/reject", { reason: reason });
    if (!answer.ok) {
      result.innerHTML = sitereg.failure(answer, "draft.error");
      return;
    }
    result.innerHTML = '<p class="sr-ok" role="status">' + esc(T(action === "approve" ? "draft.approved" : "draft.rejected")) +
      "</p>" + warningList(answer.body.warnings);
    item.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
    document.documentElement.setAttribute("data-sr-draft-done", id);
    if (options.onDone) {
      options.onDone(action, answer.body);
    }
  }

  /** List the pending drafts (only `options.code`'s when given) in `options.target`, with
   * preview, approve and reject; `options.onDone(action, answer)` runs after a decision. */
  sitereg.listDrafts = async function (options) {
    var target = options.target;
    var only = options.code ? "&code=" + encodeURIComponent(options.code) : "";
    var answer = await sitereg.send("GET", options.urls.drafts + "?status=pending" + only);
    if (!answer.ok) {
      target.innerHTML = answer.status === 401 || answer.status === 403 ? "" : sitereg.failure(answer, "draft.error");
      return [];
    }
    var drafts = draftsOf(answer.body).filter(function (draft) {
      return !options.code || draft.code === options.code;
    });
    if (!drafts.length) {
      target.innerHTML = '<p class="sr-empty">' + esc(T("draft.none")) + "</p>";
      return drafts;
    }
    target.innerHTML = '<ul class="sr-drafts">' + drafts.map(function (draft) {
      return draftItem(draft, !options.code);
    }).join("") + "</ul>";
    target.querySelectorAll(".sr-draft button").forEach(function (button) {
      button.addEventListener("click", function () {
        onDraftAction(options, button.closest(".sr-draft"), button.getAttribute("data-action"));
      });
    });
    return drafts;
  };
})();
