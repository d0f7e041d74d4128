/* sitereg conflict report: the HTML of a proposal-check answer (area, forest, protected areas,
 * registered sites, units) and of a problem+json answer. Used by the boundary check (/check)
 * and by the previews of an edit or a draft (site page, /drafts). */
(function () {
  "use strict";

  var sitereg = (window.sitereg = window.sitereg || {});
  var T = sitereg.T;
  var esc = sitereg.esc;
  var num = sitereg.num;

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

  // A coordinate table's columns as read (X northing, Y easting, …), for the officer to confirm.
  function tableColumns(read) {
    var named = [["X", read.x_north], ["Y", read.y_east], ["#", read.point], ["thửa", read.parcel], ["vòng", read.ring]];
    var cells = named.filter(function (pair) { return pair[1]; }).map(function (pair) {
      return esc(pair[0]) + " = “" + esc(pair[1]) + "”";
    });
    return cells.join(", ") + ' <span class="sr-muted">(' + esc(T("check.table_header_row")) + " " +
      esc(read.header_row) + "; " + esc(read.points) + " " + esc(T("check.table_points")) + ")</span>";
  }

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
    if (report.table) rows.splice(3, 0, ["check.table_columns", tableColumns(report.table)]);
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
          esc(T("kind." + hit.kind)) + "</small>" +
          (hit.finding === "location_uncertain"
            ? '<br><small class="sr-uncertain">' + esc(T("check.location_uncertain")) + "</small>" : ""),
        num(hit.overlap_ha, 2), num(hit.share_of_site_pct, 1), num(hit.share_of_proposal_pct, 1),
      ];
    });
    return html + table(head, body);
  }

  /** Return the HTML of a proposal-check answer; `withFacts` false leaves out the file facts. */
  function renderReport(report, withFacts) {
    var unit = function (hit) { return esc(hit.name) + ": " + num(hit.overlap_ha, 2) + " ha"; };
    var head = withFacts === false ? "" : '<h2 id="sr-report-title">' + esc(T("check.report")) + "</h2>" + factsTable(report);
    return (
      head + forestSection(report) +
      listSection("check.protected", report.protected_areas, function (area) {
        return unit(area) + (area.outline_indicative ? " " + sitereg.badge("indicative") : "");
      }) +
      ((report.protected_areas_extent_unknown || []).length
        ? listSection("check.protected_extent_unknown", report.protected_areas_extent_unknown, function (area) {
          var where = area.contains ? T("check.point_inside") : num(area.distance_m, 0) + " m";
          return esc(area.name) + ": " + esc(where) + ' <small class="sr-uncertain">' + esc(T("check.extent_unknown")) + "</small>";
        })
        : "") +
      sitesSection(report) +
      listSection("check.provinces", report.provinces, unit) +
      listSection("check.districts", report.districts, unit)
    );
  }

  /** Return the HTML of a problem+json answer under the title `titleKey`: a sentence of the
   * label table for its `code`, then the API's own (English) title and detail as secondary text. */
  function renderProblem(problem, titleKey) {
    var details = (problem.errors || []).map(function (item) {
      return "<li>" + esc(item.pointer ? item.pointer + ": " : "") + esc(item.detail) + "</li>";
    }).join("");
    var key = "problem." + (problem.code || "http-error");
    var said = T(key) !== key ? T(key) : T("problem.http-error");
    var raw = [problem.title, problem.detail].filter(Boolean).join(": ");
    return (
      '<div class="sr-error" role="alert"><strong>' + esc(T(titleKey)) + "</strong>: " +
      '<span class="sr-problem-message">' + esc(said) + "</span>" +
      '<p class="sr-muted sr-problem-detail">' + esc(T("problem.detail")) + ': <span lang="en">' + esc(raw) +
      "</span></p>" + (details ? '<ul class="sr-muted sr-problem-detail" lang="en">' + details + "</ul>" : "") + "</div>"
    );
  }

  sitereg.report = { render: renderReport, problem: renderProblem, table: table };
})();
