/* sitereg import page (/import): upload an official layer file as an import job, follow its
 * progress from the database (any server process answers), then show its counts, the rows to
 * look at, and the link to the row-by-row CSV report. */
(function () {
  "use strict";

  var sitereg = (window.sitereg = window.sitereg || {});
  var T = sitereg.T;
  var esc = sitereg.esc;
  var STATUSES = ["created", "updated", "unchanged", "removed", "skipped", "rejected", "flagged"];

  function progressText(job) {
    if (job.state === "queued") return T("import.queued");
    var total = job.rows_total ? " / " + job.rows_total : "";
    return T("import.phase." + (job.phase || "reading")) + ": " + job.rows_done + total;
  }

  function countsTable(counts) {
    var rows = STATUSES.map(function (status) {
      return "<tr><th scope=\"row\">" + esc(T("import.status." + status)) + "</th><td class=\"sr-num\">" +
        (counts[status] || 0) + "</td></tr>";
    });
    return "<table class=\"sr-table\"><tbody>" + rows.join("") + "</tbody></table>";
  }

  function notableTable(rows) {
    if (!rows.length) return "";
    var body = rows.map(function (row) {
      return "<tr><td class=\"sr-num\">" + esc(row.row === null ? "" : String(row.row)) + "</td><td>" +
        esc(row.key || "") + "</td><td>" + esc(T("import.status." + row.status)) + "</td><td>" +
        esc(row.reason || "") + "</td></tr>";
    });
    return "<h3>" + esc(T("import.notable")) + "</h3><table class=\"sr-table\"><thead><tr><th>" +
      esc(T("import.row")) + "</th><th>" + esc(T("import.key")) + "</th><th>" + esc(T("import.state")) +
      "</th><th>" + esc(T("import.why")) + "</th></tr></thead><tbody>" + body.join("") + "</tbody></table>";
  }

  function done(job, location) {
    var outcome = job.outcome;
    var verb = outcome.committed ? T("import.committed") : T("import.dry_run");
    var review = job.review === "pending" ? "<p class=\"sr-note\">" + esc(T("import.awaiting")) + "</p>" : "";
    return "<h2>" + esc(verb) + "</h2>" + review +
      "<p>" + esc(T("import.encoding")) + ": <strong>" + esc(outcome.encoding.name) + "</strong> — " +
      esc(outcome.encoding.reason) + "</p>" +
      "<p>CRS: <strong>EPSG:" + outcome.crs.srid + "</strong> — " + esc(outcome.crs.reason) + "</p>" +
      countsTable(outcome.counts) + notableTable(outcome.notable) +
      "<p><a href=\"" + esc(location + "/report.csv") + "\">" + esc(T("import.report")) + "</a></p>";
  }

  function follow(target, location) {
    fetch(location, { credentials: "same-origin" }).then(function (response) {
      return response.json();
    }).then(function (job) {
      if (job.state === "done") {
        target.innerHTML = done(job, location);
      } else if (job.state === "failed") {
        target.innerHTML = "<p class=\"sr-error\">" + esc(T("import.failed")) + "<br><span class=\"sr-muted sr-problem-detail\">" + esc(T("problem.detail")) + ": <span lang=\"en\">" + esc(job.error) + "</span></span></p>";
      } else {
        target.innerHTML = "<p>" + esc(progressText(job)) + "</p>";
        window.setTimeout(function () { follow(target, location); }, 1000);
      }
    });
  }

  function submit(event, cfg) {
    event.preventDefault();
    var form = event.target;
    var target = document.getElementById("sr-import-job");
    var data = new FormData(form);
    ["crs", "decision_id", "reason"].forEach(function (name) {
      if (!data.get(name)) data.delete(name);
    });
    target.innerHTML = "<p>" + esc(T("import.uploading")) + "</p>";
    fetch(cfg.url, {
      method: "POST", body: data, credentials: "same-origin", headers: { "X-CSRF-Token": cfg.csrf || "" },
    }).then(function (response) {
      return response.json().then(function (body) { return { response: response, body: body }; });
    }).then(function (answer) {
      if (answer.response.status !== 202) {
        target.innerHTML = sitereg.report.problem(answer.body, "import.failed");
        return;
      }
      follow(target, answer.response.headers.get("Location"));
    });
  }

  sitereg.importPage = {
    /** Start the import page: the form posts the upload, then the job is followed. */
    start: function (cfg) {
      sitereg.configure(cfg);
      var form = document.getElementById("sr-import-form");
      if (form) {
        form.addEventListener("submit", function (event) { submit(event, cfg); });
        // Each layer has its own mappings: picking a layer picks its first one.
        form.elements.layer.addEventListener("change", function () {
          var first = {
            forest: "forest_inventory", protected_areas: "protected_areas_wdpa", admin_units: "communes_2025",
            sites: "sites_sitereg", clearance_parcels: "clearance_sitereg", infrastructure: "infrastructure_sitereg"
          };
          form.elements.mapping.value = first[form.elements.layer.value];
        });
      }
      document.documentElement.setAttribute("data-sr-ready", "true");
    },
  };
})();
