"""The one translation table of the map pages: every label in Vietnamese and English.

Numbers and dates are formatted here too, by Babel with each language's CLDR conventions.

Templates call ``t("key")``; the browser scripts receive ``texts(lang)`` as JSON and call
``T("key")``. Enum values are labelled under ``<group>.<value>`` (``kind.industrial_zone``).
A test checks that every key used by a template or a script exists here and that every enum
member has a label.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Literal, NamedTuple

from babel.dates import format_date as format_date_cldr
from babel.numbers import format_decimal

Lang = Literal["vi", "en"]
LANGS: tuple[Lang, ...] = ("vi", "en")
DEFAULT_LANG: Lang = "vi"
# CLDR locale of each page language: British English, as the browser scripts use ``en-GB``.
_LOCALES: dict[Lang, str] = {"vi": "vi", "en": "en_GB"}
_DATE_FORMATS: dict[Lang, str] = {"vi": "dd/MM/yyyy", "en": "medium"}


class Text(NamedTuple):
    """One label in both languages."""

    vi: str
    en: str


_PAGES = {
    "app.name": Text("sitereg", "sitereg"),
    "app.subtitle": Text(
        "Sổ đăng ký KCN, CCN, mỏ và khu di dời — Lào Cai, Lai Châu",
        "Registry of industrial zones, clusters, mines and relocation areas — Lào Cai, Lai Châu",
    ),
    "nav.map": Text("Bản đồ", "Map"),
    "nav.check": Text("Kiểm tra ranh giới", "Check a boundary"),
    "nav.dashboard": Text("Chỉ tiêu kế hoạch", "Plan targets"),
    "nav.api": Text("Dữ liệu (OGC API)", "Data (OGC API)"),
    "nav.language": Text("Ngôn ngữ", "Language"),
    "page.home": Text("Bản đồ sổ đăng ký", "Registry map"),
    "page.check": Text("Kiểm tra ranh giới đề xuất", "Check a proposed boundary"),
    "page.dashboard": Text("Chỉ tiêu kế hoạch năm 2026", "2026 plan targets"),
    "page.sign_in": Text("Đăng nhập", "Sign in"),
    "page.drafts": Text("Thay đổi chờ phê duyệt", "Changes waiting for approval"),
    "nav.drafts": Text("Chờ phê duyệt", "Pending drafts"),
    "auth.sign_in": Text("Đăng nhập", "Sign in"),
    "auth.sign_out": Text("Đăng xuất", "Sign out"),
    "auth.signed_in_as": Text("Đang đăng nhập:", "Signed in as"),
    "auth.username": Text("Tên đăng nhập", "Username"),
    "auth.password": Text("Mật khẩu", "Password"),
    "auth.submit": Text("Đăng nhập", "Sign in"),
    "auth.intro": Text(
        "Xem dữ liệu không cần đăng nhập. Cán bộ được cấp tài khoản đăng nhập để cập nhật.",
        "Reading needs no account. Staff with an account sign in to make changes.",
    ),
    "auth.failed": Text(
        "Sai tên đăng nhập hoặc mật khẩu, hoặc tài khoản đã bị khoá. Vui lòng thử lại.",
        "Wrong username or password, or the account is disabled. Please try again.",
    ),
    "common.loading": Text("Đang tải…", "Loading…"),
    "common.load_error": Text("Không tải được lớp", "Could not load layer"),
    "common.none": Text("Không có", "None"),
    "common.unknown": Text("chưa rõ", "unknown"),
    "common.yes": Text("Có", "Yes"),
    "common.no": Text("Không", "No"),
    "common.print": Text("In trang", "Print"),
    "common.details": Text("Xem chi tiết", "Details"),
    "common.total": Text("Tổng", "Total"),
    "common.no_forest_layer": Text(
        "Chưa nạp lớp đất rừng: 0 ha ở đây không có nghĩa là không có rừng.",
        "No forest layer is loaded: 0 ha here does not mean there is no forest.",
    ),
    "badge.indicative": Text("chỉ định hướng", "indicative"),
    "badge.synthetic": Text(
        "dữ liệu mô phỏng — không phải số liệu thật", "synthetic data — not real figures"
    ),
    "badge.indicative_hint": Text(
        "Ranh giới vẽ theo diện tích công bố tại vị trí ước tính, không phải số liệu đo đạc.",
        "Outline drawn to the stated area at the best-known point, not a survey.",
    ),
    "badge.synthetic_hint": Text(
        "Dữ liệu sinh tự động để minh hoạ phân tích, không phải số liệu chính thức.",
        "Generated to demonstrate the analysis; not official data.",
    ),
    "data.synthetic_notice": Text(
        "dữ liệu mô phỏng — không phải số liệu thật", "synthetic data — not real figures"
    ),
}

_MAP = {
    "layer.sites_industrial_zone": Text("Khu công nghiệp (KCN)", "Industrial zones (KCN)"),
    "layer.sites_industrial_cluster": Text("Cụm công nghiệp (CCN)", "Industrial clusters (CCN)"),
    "layer.sites_mining_site": Text("Mỏ khoáng sản", "Mining sites"),
    "layer.sites_relocation_area": Text(
        "Khu di dời, tái định cư", "Relocation and resettlement areas"
    ),
    "layer.clearance_parcels": Text(
        "Thửa giải phóng mặt bằng (dữ liệu mô phỏng — không phải số liệu thật)",
        "Clearance parcels (synthetic data — not real figures)",
    ),
    "layer.infrastructure": Text("Hạ tầng (chỉ định hướng)", "Infrastructure (indicative)"),
    "layer.forest": Text(
        "Đất rừng (dữ liệu mô phỏng — không phải số liệu thật)",
        "Forest land (synthetic data — not real figures)",
    ),
    "layer.protected_areas": Text("Khu bảo tồn (chỉ định hướng)", "Protected areas (indicative)"),
    "layer.communes": Text("Xã, phường 2025", "Communes and wards 2025"),
    "layer.provinces": Text("Ranh giới tỉnh 2025", "Province boundaries 2025"),
    "layer.base": Text("Nền bản đồ", "Base map"),
    "layer.basemap_offline": Text("Nền bản đồ (không cần mạng)", "Base map (works offline)"),
    "basemap.attribution": Text(
        "Nền: Natural Earth; sông © OpenStreetMap contributors (ODbL)",
        "Base map: Natural Earth; rivers © OpenStreetMap contributors (ODbL)",
    ),
    "layer.basemap_online": Text("Nền bản đồ trực tuyến", "Online base map"),
    "layer.basemap_none": Text("Không có nền", "No base map"),
    "layer.site_labels": Text("Tên khu (từ mức phóng 12)", "Site names (from zoom 12)"),
    "legend.basemap": Text("Nền bản đồ", "Base map"),
    "legend.river": Text("Sông lớn", "Major rivers"),
    "legend.border": Text("Biên giới quốc gia", "International border"),
    "legend.neighbour": Text("Nước láng giềng", "Neighbouring countries"),
    "legend.site_label": Text("Tên khu", "Site name"),
    "legend.commune_label": Text("Tên xã, phường", "Commune or ward name"),
    "layers.toggle": Text("Các lớp bản đồ", "Map layers"),
    "layer.proposal": Text("Ranh giới đề xuất", "Proposed boundary"),
    "layer.overlaps": Text("Phần chồng lấn", "Overlapping pieces"),
    "layer.forest_overlap": Text("Đất rừng bị chồng lấn", "Overlapped forest land"),
    "layer.site": Text("Ranh giới khu", "Site boundary"),
    "legend.title": Text("Chú giải", "Legend"),
    "legend.sites": Text("Khu, cụm, mỏ, khu di dời", "Zones, clusters, mines, relocation"),
    "legend.indicative": Text("Nét đứt: ranh chỉ định hướng", "Dashed: indicative outline"),
    "legend.clearance": Text("Giải phóng mặt bằng", "Site clearance"),
    "legend.forest": Text("Đất rừng", "Forest land"),
    "legend.natural_planted": Text(
        "đậm: rừng tự nhiên · nhạt: rừng trồng", "dark: natural · light: planted"
    ),
    "legend.other": Text("Lớp khác", "Other layers"),
    "legend.zoom_in": Text(
        "Hiện khi phóng to (mức 12 trở lên)", "Shown when zoomed in (level 12+)"
    ),
    "legend.toggle": Text("Ẩn/hiện chú giải", "Show/hide legend"),
    "legend.forest_piece": Text(
        "Đất rừng nằm trong ranh (viền đậm)", "Forest land inside the boundary (dark edge)"
    ),
    "legend.site_outline": Text("Ranh giới khu", "Site boundary"),
    "legend.site_piece": Text("Phần chồng lấn khu đã đăng ký", "Overlap with a registered site"),
    "search.placeholder": Text("Tìm khu theo tên hoặc mã…", "Find a site by name or code…"),
    "search.label": Text(
        "Tìm khu theo tên hoặc mã, gõ có dấu hay không dấu đều được",
        "Find a site by name or code, with or without Vietnamese diacritics",
    ),
    "search.none": Text("Không tìm thấy khu nào", "No site found"),
    "coords.wgs84": Text("WGS 84", "WGS 84"),
    "coords.switch": Text(
        "Bấm để đổi hệ toạ độ (WGS 84 / VN-2000)", "Click to switch coordinates (WGS 84 / VN-2000)"
    ),
    "coords.vn2000_9208": Text("VN-2000 KTT 104°45′ (Lào Cai)", "VN-2000 CM 104°45′ (Lào Cai)"),
    "coords.vn2000_9205": Text("VN-2000 KTT 103°00′ (Lai Châu)", "VN-2000 CM 103°00′ (Lai Châu)"),
    "coords.hint": Text("Di chuột trên bản đồ", "Move the cursor over the map"),
    "coords.north": Text("B", "N"),
    "coords.east": Text("Đ", "E"),
}

_FACTS = {
    "fact.code": Text("Mã", "Code"),
    "fact.name": Text("Tên", "Name"),
    "fact.kind": Text("Loại", "Kind"),
    "fact.status": Text("Trạng thái", "Status"),
    "fact.province": Text("Tỉnh", "Province"),
    "fact.communes": Text("Xã, phường", "Communes"),
    "fact.managing_agency": Text("Cơ quan quản lý", "Managing agency"),
    "fact.legal_basis": Text("Căn cứ pháp lý", "Legal basis"),
    "fact.established": Text("Thành lập", "Established"),
    "fact.established_before": Text("trước ngày", "by"),
    "fact.planned_area": Text("Diện tích quy hoạch", "Planned area"),
    "fact.computed_area": Text("Diện tích tính từ ranh giới", "Area computed from the outline"),
    "fact.area_difference": Text("Chênh lệch", "Difference"),
    "fact.geometry_source": Text("Nguồn ranh giới", "Outline source"),
    "fact.provenance": Text("Nguồn gốc dữ liệu", "Provenance"),
    "fact.source_quality": Text("Chất lượng nguồn", "Source quality"),
    "fact.qa_flags": Text("Lưu ý chất lượng", "Quality notes"),
    "fact.version": Text("Phiên bản", "Version"),
    "fact.updated_at": Text("Cập nhật", "Updated"),
    "fact.occupancy": Text("Tỷ lệ lấp đầy", "Occupancy rate"),
    "fact.wastewater": Text("Xử lý nước thải tập trung", "Central wastewater treatment"),
    "fact.eco": Text("Chương trình KCN sinh thái", "Eco-industrial park programme"),
    "fact.mineral": Text("Khoáng sản", "Mineral"),
    "fact.licence_number": Text("Số giấy phép", "Licence number"),
    "fact.licence_status": Text("Tình trạng giấy phép", "Licence status"),
    "fact.capacity": Text("Công suất cấp phép", "Licensed capacity"),
    "fact.offtake": Text("Hợp đồng bao tiêu", "Offtake contract"),
    "fact.offtake_ref": Text("Số hợp đồng bao tiêu", "Offtake contract reference"),
    "fact.households_planned": Text("Số hộ phải di dời", "Households to relocate"),
    "fact.households_relocated": Text("Số hộ đã di dời", "Households relocated"),
    "fact.deposit": Text("Tiền ký quỹ phục hồi (tỷ đồng)", "Rehabilitation deposit (bn VND)"),
    "fact.moved_from": Text("Di dời từ", "Moved from"),
    "fact.moved_to": Text("Di dời đến", "Moved to"),
    "fact.households": Text("Số hộ di dời (đã / kế hoạch)", "Households (relocated / planned)"),
    "fact.deadline": Text("Thời hạn", "Deadline"),
    "fact.parcel": Text("Thửa", "Parcel"),
    "fact.site": Text("Khu", "Site"),
    "fact.status_date": Text("Ngày trạng thái", "Status date"),
    "fact.area": Text("Diện tích", "Area"),
    "fact.length": Text("Chiều dài công bố", "Stated length"),
    "fact.capital_state": Text("Vốn ngân sách (tỷ đồng)", "State budget (bn VND)"),
    "fact.capital_enterprise": Text("Vốn doanh nghiệp (tỷ đồng)", "Enterprise capital (bn VND)"),
    "fact.category": Text("Loại rừng", "Forest category"),
    "fact.origin": Text("Nguồn gốc rừng", "Forest origin"),
    "fact.designation": Text("Loại khu bảo tồn", "Designation"),
    "fact.stated_area": Text("Diện tích công bố", "Stated area"),
}

_SITE = {
    "site.as_of": Text(
        "Như ngày (sổ đăng ký lúc đó):", "As of (the registry as it was recorded then):"
    ),
    "site.facts": Text("Thông tin chung", "Facts"),
    "site.details": Text("Thông tin chi tiết", "Details"),
    "site.forest": Text("Chồng lấn đất rừng và khu bảo tồn", "Forest land and protected areas"),
    "site.forest_share": Text("Tỷ lệ diện tích khu trên đất rừng", "Share of the site on forest"),
    "site.no_forest": Text("Không chồng lấn đất rừng.", "No forest land inside the site."),
    "site.protected": Text("Khu bảo tồn", "Protected areas"),
    "site.no_protected": Text("Không chồng lấn khu bảo tồn.", "No protected area inside."),
    "site.clearance": Text("Giải phóng mặt bằng", "Site clearance"),
    "site.clean_land": Text(
        "Mặt bằng sạch (đã GPMB + đã bàn giao)", "Clean land (cleared + handed over)"
    ),
    "site.no_clearance": Text("Chưa có thửa GPMB.", "No clearance parcels recorded."),
    "site.parcels": Text("Số thửa", "Parcels"),
    "site.downloads": Text("Tải dữ liệu", "Downloads"),
    "site.downloads_hint": Text(
        "Khu, các thửa GPMB và hạ tầng của khu",
        "The site, its clearance parcels and infrastructure",
    ),
    "site.api": Text("Dữ liệu gốc (JSON)", "Raw data (JSON)"),
    "site.back": Text("← Về bản đồ", "← Back to the map"),
    "site.share_of_planned": Text("% diện tích quy hoạch", "% of planned area"),
}

_CHECK = {
    "check.intro": Text(
        "Vẽ đa giác hoặc hình chữ nhật trên bản đồ, hoặc tải lên tệp ranh giới. "
        "Hệ thống tính diện tích đất rừng, khu bảo tồn, khu đã đăng ký và đơn vị hành chính "
        "bị chồng lấn. Không lưu gì.",
        "Draw a polygon or rectangle on the map, or upload a boundary file. sitereg computes "
        "the forest land, protected areas, registered sites and administrative units it "
        "overlaps. Nothing is stored.",
    ),
    "check.draw_hint": Text(
        "Dùng công cụ vẽ ở góc trái bản đồ.", "Use the drawing tools at the map's left edge."
    ),
    "check.upload": Text("Tải lên tệp ranh giới", "Upload a boundary file"),
    "check.protected_extent_unknown": Text(
        "Khu bảo tồn chỉ biết vị trí điểm, nằm trong hoặc gần ranh giới đề xuất",
        "Protected areas known only by a point, inside or near the proposal",
    ),
    "check.point_inside": Text("điểm nằm trong ranh giới đề xuất", "its point lies inside"),
    "check.extent_unknown": Text(
        "chưa có ranh giới thật: chồng lấn chưa xác định, không phải là không có",
        "true extent unknown: the overlap is unknown, not none",
    ),
    "check.location_uncertain": Text(
        "Vị trí chưa chắc chắn: ranh giới khu này chỉ được đặt tạm, chồng lấn chưa phải kết luận",
        "Location uncertain: this site's outline is only placed, so the overlap is not a finding",
    ),
    "fact.location_confidence": Text("Vị trí được xác định", "How the location is known"),
    "site.location_uncertain": Text(
        "Vị trí chưa chắc chắn: ranh giới khu này chỉ được đặt tạm (chưa đo đạc, chưa số hoá), "
        "nên các diện tích chồng lấn dưới đây chỉ là ước tính, chưa phải kết luận.",
        "Location uncertain: this site's outline is only placed (not surveyed or digitized), so "
        "the overlaps below are estimates, not findings.",
    ),
    "how.title": Text("Cách tính", "How this is computed"),
    "how.forest": Text(
        "Phần giao giữa ranh giới khu và các lô rừng (theo loại rừng và nguồn gốc), diện tích "
        "trắc địa trên ellipsoid WGS 84, từ bộ dữ liệu rừng:",
        "The intersection of the site's outline with the forest parcels (by category and "
        "origin), in geodesic hectares on the WGS 84 ellipsoid, from the forest dataset(s):",
    ),
    "how.area": Text(
        "Diện tích khu: diện tích trắc địa của ranh giới (WGS 84); diện tích quy hoạch là số "
        "trong quyết định. Số liệu VN-2000 phẳng theo kinh tuyến trục của tỉnh có trong API "
        "(area=vn2000).",
        "Site area: the geodesic area of its outline (WGS 84); the planned area is the "
        "decision's figure. VN-2000 planar hectares on the province's TM-3 meridian are in the "
        "API (area=vn2000).",
    ),
    "location.surveyed": Text("đo đạc (bảng toạ độ)", "surveyed (coordinate table)"),
    "location.digitized": Text("số hoá từ bản đồ công bố", "digitized from a published map"),
    "location.site_point": Text(
        "đặt tại điểm công bố của khu (ranh giới chỉ định hướng)",
        "placed at the site's published point (indicative outline)",
    ),
    "location.commune": Text(
        "đặt tại trung tâm xã (ranh giới chỉ định hướng)",
        "placed at a named commune (indicative outline)",
    ),
    "location.district": Text(
        "đặt tại điểm dự phòng cấp huyện (ranh giới chỉ định hướng)",
        "placed at a district fallback point (indicative outline)",
    ),
    "location.unknown": Text("chưa rõ (điểm giữ chỗ)", "unknown (a placeholder)"),
    "check.file": Text(
        "Tệp (GeoJSON, Shapefile nén .zip, GeoPackage, KML, bảng toạ độ VN-2000 .csv/.xlsx với "
        "cột Điểm, X (Bắc), Y (Đông), bản vẽ DXF hoặc DGN v7)",
        "File (GeoJSON, zipped Shapefile, GeoPackage, KML, a VN-2000 coordinate table .csv/.xlsx "
        "with Point, X (northing), Y (easting) columns, a DXF or DGN v7 drawing)",
    ),
    "check.crs": Text("Hệ toạ độ", "Coordinate system"),
    "check.crs_auto": Text("Theo tệp (hoặc WGS 84)", "From the file (or WGS 84)"),
    "check.submit": Text("Kiểm tra", "Check"),
    "check.running": Text("Đang kiểm tra…", "Checking…"),
    "check.error": Text("Không kiểm tra được", "The check failed"),
    "check.report": Text("Kết quả kiểm tra", "Check report"),
    "check.file_name": Text("Tệp", "File"),
    "check.source_crs": Text("Hệ toạ độ nguồn", "Source CRS"),
    "check.crs_from_file": Text("khai báo trong tệp", "declared in the file"),
    "check.crs_from_parameter": Text("chọn trên trang", "chosen on the page"),
    "check.crs_from_default": Text(
        "mặc định WGS 84 của GeoJSON (RFC 7946)", "GeoJSON's default WGS 84 (RFC 7946)"
    ),
    "check.features": Text("Số đối tượng", "Features"),
    "check.table_columns": Text(
        "Cột đã đọc từ bảng toạ độ (hãy kiểm tra)", "Columns read from the coordinate table (check)"
    ),
    "check.table_points": Text("điểm", "points"),
    "check.table_header_row": Text("dòng tiêu đề", "heading row"),
    "check.area": Text("Diện tích (WGS 84, trắc địa)", "Area (geodesic, WGS 84)"),
    "check.area_vn2000": Text("Diện tích VN-2000", "Area in VN-2000"),
    "check.forest": Text("Đất rừng bị chiếm", "Forest land taken"),
    "check.protected": Text("Khu bảo tồn", "Protected areas"),
    "check.sites": Text("Khu đã đăng ký bị chồng lấn", "Registered sites overlapped"),
    "check.share_of_site": Text("% của khu", "% of site"),
    "check.share_of_proposal": Text("% của đề xuất", "% of proposal"),
    "check.provinces": Text("Tỉnh", "Provinces"),
    "check.districts": Text("Huyện (trước 2025)", "Former districts"),
    "check.empty": Text(
        "Chưa có kết quả: hãy vẽ hoặc tải lên một ranh giới.",
        "No report yet: draw or upload a boundary.",
    ),
    "check.name": Text("Tên đề xuất", "Proposal name"),
    "check.download_pdf": Text("Tải báo cáo PDF", "Download the PDF report"),
    "check.download_csv": Text("Tải bảng CSV", "Download the CSV table"),
    "doc.title": Text("Báo cáo kiểm tra ranh giới đề xuất", "Proposed boundary check report"),
    "doc.date": Text("Ngày kiểm tra", "Date of the check"),
    "doc.unnamed": Text("(chưa đặt tên)", "(no name given)"),
    "doc.map": Text("Sơ đồ đề xuất và phần chồng lấn", "Map of the proposal and its overlaps"),
    "doc.map_legend": Text(
        "Đỏ: ranh đề xuất; xanh lá: đất rừng; tím đứt nét: khu bảo tồn; cam: khu đã đăng ký. "
        "Sơ đồ không có nền bản đồ.",
        "Red: proposal; green: forest land; purple dashed: protected areas; orange: registered "
        "sites. The sketch has no basemap.",
    ),
    "doc.category": Text("Loại rừng", "Forest category"),
    "doc.origin": Text("Nguồn gốc", "Origin"),
    "doc.parcels": Text("Số thửa", "Parcels"),
    "doc.code": Text("Mã", "Code"),
    "doc.name": Text("Tên", "Name"),
    "doc.kind": Text("Loại", "Kind"),
    "doc.overlap_ha": Text("Chồng lấn (ha)", "Overlap (ha)"),
    "doc.share_pct": Text("% đề xuất", "% of proposal"),
    "doc.outline": Text("Ranh giới", "Outline"),
    "doc.indicative": Text("chỉ định hướng", "indicative"),
    "doc.official": Text("chính thức", "official"),
    "doc.none": Text("Không có.", "None."),
    "doc.communes": Text("Xã, phường (từ 2025)", "Communes (2025)"),
    "doc.communes_method": Text(
        "Xác định theo điểm nhãn: xã có điểm nhãn nằm trong đề xuất (0 m) hoặc cách đề xuất "
        "không quá 2 km. Sổ đăng ký chưa có ranh giới xã 2025, nên danh sách chỉ mang tính "
        "tham khảo.",
        "Found by label point: communes whose label point lies in the proposal (0 m) or within "
        "2 km of it. The registry holds no 2025 commune boundaries, so the list is indicative.",
    ),
    "doc.province": Text("Tỉnh", "Province"),
    "doc.distance_m": Text("Khoảng cách điểm nhãn (m)", "Label point distance (m)"),
    "doc.vertices": Text("Bảng toạ độ đỉnh VN-2000", "VN-2000 vertex table"),
    "doc.vertices_zone": Text(
        "Múi chiếu TM-3 của tỉnh: {zone}. X: toạ độ Bắc, Y: toạ độ Đông (mét); điểm đánh số "
        "theo thứ tự trên từng vòng ranh (vòng 0: ranh ngoài).",
        "The province's TM-3 zone: {zone}. X: northing, Y: easting (metres); points numbered "
        "in order along each ring (ring 0: the outer boundary).",
    ),
    "doc.vertices_none": Text(
        "Không lập được bảng toạ độ: đề xuất không nằm trong tỉnh nào có múi chiếu VN-2000.",
        "No vertex table: the proposal lies in no province with a VN-2000 zone.",
    ),
    "doc.vertices_more": Text(
        "PDF chỉ liệt kê {shown} trong {total} đỉnh; bảng CSV có đủ mọi đỉnh.",
        "The PDF lists {shown} of the {total} vertices; the CSV table has them all.",
    ),
    "doc.polygon": Text("Vùng", "Polygon"),
    "doc.ring": Text("Vòng", "Ring"),
    "doc.point": Text("Điểm", "Point"),
    "doc.x_north": Text("X (Bắc, m)", "X (northing, m)"),
    "doc.y_east": Text("Y (Đông, m)", "Y (easting, m)"),
    "doc.data": Text("Phiên bản dữ liệu", "Data versions"),
    "doc.dataset": Text("Bộ dữ liệu rừng", "Forest dataset"),
    "doc.synthetic": Text("Mô phỏng", "Synthetic"),
    "doc.yes": Text("có", "yes"),
    "doc.no": Text("không", "no"),
    "doc.caveats": Text("Lưu ý", "Caveats"),
    "doc.indicative_note": Text(
        "Kết quả chỉ mang tính tham khảo, không thay thế hồ sơ đo đạc và thẩm định chính thức.",
        "The findings are indicative and replace no official survey or appraisal.",
    ),
    "draw.polygon": Text("Vẽ đa giác", "Draw a polygon"),
    "draw.rectangle": Text("Vẽ hình chữ nhật", "Draw a rectangle"),
    "draw.edit": Text("Sửa ranh giới", "Edit the boundary"),
    "draw.remove": Text("Xoá ranh giới", "Delete the boundary"),
    "draw.finish": Text("Hoàn tất", "Finish"),
    "draw.cancel": Text("Huỷ", "Cancel"),
    "draw.undo": Text("Xoá điểm cuối", "Delete last point"),
    "draw.start": Text("Bấm để bắt đầu vẽ.", "Click to start drawing."),
    "draw.continue": Text("Bấm để vẽ tiếp.", "Click to continue drawing."),
    "draw.close": Text("Bấm điểm đầu để khép đa giác.", "Click the first point to close."),
    "draw.rectangle_start": Text("Bấm và kéo để vẽ.", "Click and drag to draw."),
    "draw.release": Text("Thả chuột để hoàn tất.", "Release the mouse to finish."),
}

_EDIT = {
    "tab.facts": Text("Thông tin", "Facts"),
    "tab.history": Text("Lịch sử", "History"),
    "edit.open": Text("Sửa", "Edit"),
    "edit.title": Text("Sửa thông tin khu", "Edit the site"),
    "edit.attributes": Text("Thuộc tính", "Attributes"),
    "edit.list_hint": Text("Cách nhau bằng dấu phẩy", "Separated by commas"),
    "edit.boundary": Text("Ranh giới", "Boundary"),
    "edit.boundary_hint": Text(
        "Vẽ ranh giới mới bằng công cụ vẽ ở góc trái bản đồ, hoặc tải lên tệp ranh giới.",
        "Draw the new boundary with the tools at the map's left edge, or upload a file.",
    ),
    "edit.use_file": Text("Dùng ranh giới trong tệp", "Use the file's boundary"),
    "edit.keep": Text("Giữ ranh giới hiện tại", "Keep the current boundary"),
    "edit.boundary_unchanged": Text("Ranh giới không đổi.", "The boundary stays as it is."),
    "edit.boundary_drawn": Text(
        "Ranh giới mới: vẽ trên bản đồ.", "New boundary: drawn on the map."
    ),
    "edit.boundary_file": Text("Ranh giới mới từ tệp", "New boundary from the file"),
    "edit.file_error": Text("Không đọc được tệp", "The file could not be read"),
    "edit.change": Text("Căn cứ thay đổi", "Grounds for the change"),
    "edit.decision_search": Text("Tìm quyết định theo số hiệu", "Find the decision by its number"),
    "edit.decision": Text("Quyết định", "Decision"),
    "edit.no_decision": Text(
        "Không có (bắt buộc khi đổi trạng thái)", "None (required to change the status)"
    ),
    "edit.reason": Text("Lý do thay đổi", "Reason for the change"),
    "edit.preview": Text("Xem trước", "Preview"),
    "edit.save": Text("Lưu", "Save"),
    "edit.cancel": Text("Đóng", "Close"),
    "edit.saved": Text(
        "Đã lưu. Tải lại trang để xem số liệu mới.",
        "Saved. Reload the page to see the new figures.",
    ),
    "edit.draft_saved": Text("Đã gửi, chờ phê duyệt.", "Sent, waiting for approval."),
    "edit.error": Text("Không lưu được", "The change was not saved"),
    "edit.stale": Text(
        "Người khác vừa lưu thay đổi khu này. Tải lại để xem bản mới rồi sửa lại.",
        "Someone else saved this site meanwhile. Reload to see their version, then edit again.",
    ),
    "edit.reload": Text("Tải lại", "Reload"),
    "edit.not_allowed": Text(
        "Tài khoản này không được phép thực hiện thao tác này.",
        "This account may not do this.",
    ),
    "preview.title": Text("Xem trước thay đổi", "Preview of the change"),
    "preview.running": Text("Đang tính…", "Computing…"),
    "preview.error": Text("Không xem trước được", "The preview failed"),
    "preview.area_before": Text("Diện tích hiện tại", "Area now"),
    "preview.area_after": Text("Diện tích sau thay đổi", "Area after the change"),
    "preview.gained": Text("Phần tăng thêm (xanh)", "Area gained (green)"),
    "preview.lost": Text("Phần bị bớt (đỏ)", "Area lost (red)"),
    "preview.conflicts": Text(
        "Kiểm tra chồng lấn của ranh giới mới", "Conflict check of the new boundary"
    ),
    "draft.title": Text("Chờ phê duyệt", "Pending drafts"),
    "draft.intro": Text(
        "Các thay đổi do cán bộ gửi, chờ phê duyệt. Xem trước để thấy phần diện tích tăng, "
        "giảm và kết quả kiểm tra chồng lấn, rồi phê duyệt hoặc từ chối.",
        "Changes sent by editors that wait for approval. Preview one to see the area gained "
        "and lost and the conflict check, then approve or reject it.",
    ),
    "draft.none": Text("Không có thay đổi nào chờ phê duyệt.", "No change is waiting."),
    "draft.by": Text("gửi bởi", "by"),
    "draft.approve": Text("Phê duyệt", "Approve"),
    "draft.reject": Text("Từ chối", "Reject"),
    "draft.reject_reason": Text("Lý do từ chối", "Reason for rejecting"),
    "draft.approved": Text(
        "Đã phê duyệt. Tải lại trang để xem số liệu mới.",
        "Approved. Reload the page to see the new figures.",
    ),
    "draft.rejected": Text("Đã từ chối.", "Rejected."),
    "draft.error": Text("Không thực hiện được", "That did not work"),
    "draft.reviewers_only": Text(
        "Chỉ người phê duyệt xem được danh sách này.", "Only approvers see this list."
    ),
    "draft.sign_in": Text(
        "Đăng nhập bằng tài khoản phê duyệt để xem danh sách.",
        "Sign in with an approver's account to see the list.",
    ),
    "history.hint": Text(
        "Bấm số phiên bản để vẽ ranh giới của phiên bản đó (nét đứt).",
        "Click a version number to draw that version's outline (dashed).",
    ),
    "history.from": Text("Ghi nhận lúc", "Recorded"),
    "history.actor": Text("Thao tác, người thực hiện", "What, by whom"),
    "history.decision": Text("Quyết định, lý do", "Decision, reason"),
    "history.op_create": Text("Tạo mới", "Created"),
    "history.op_update": Text("Cập nhật", "Updated"),
    "history.op_delete": Text("Xoá", "Deleted"),
    "history.shown": Text("Đang vẽ phiên bản", "Showing version"),
    "history.none": Text("Chưa có phiên bản nào.", "No versions recorded."),
    "history.error": Text("Không tải được lịch sử", "The history could not be loaded"),
}

_DASHBOARD = {
    "dash.intro": Text(
        "Tiến độ thực hiện Kế hoạch 134/KH-UBND (26/3/2026), tính trực tiếp từ sổ đăng ký.",
        "Progress on Plan 134/KH-UBND (26 March 2026), computed from the registry.",
    ),
    "dash.as_of": Text("Số liệu đến ngày", "Figures as of"),
    "dash.target": Text("Chỉ tiêu", "Target"),
    "dash.progress": Text("Tiến độ", "Progress"),
    "dash.deadline": Text("Thời hạn", "Deadline"),
    "dash.source": Text("Căn cứ", "Source"),
    "dash.how": Text("Cách tính", "How it is computed"),
    "dash.not_tracked": Text(
        "Sổ đăng ký chưa theo dõi số liệu này.", "The registry does not track this figure."
    ),
    "dash.metric.new_zone_cluster_area_ha": Text(
        "Tổng diện tích quy hoạch các KCN, CCN có quyết định thành lập trong kỳ kế hoạch (từ "
        "ngày ban hành kế hoạch đến hạn) và đã thành lập, đang xây dựng hoặc đang hoạt động. "
        "Căn cứ pháp lý mới nhất (ví dụ quyết định điều chỉnh quy hoạch) không phải là ngày "
        "thành lập; mở rộng, chuyển đổi, giai đoạn của một khu đã tính không tính thêm; khu "
        "chưa ghi nhận ngày thành lập được đếm riêng là chưa rõ.",
        "Planned hectares of KCN and CCN whose establishment decision falls in the plan period "
        "(from the plan's date to the deadline) and that are established, being built or "
        "operating. The latest legal basis (such as a plan adjustment) is not the establishment "
        "date; an expansion, a conversion or a phase of a counted zone adds nothing; zones with "
        "no recorded establishment date are counted apart as unknown.",
    ),
    "dash.metric.cleared_land_ha": Text(
        "Diện tích các thửa đã giải phóng mặt bằng hoặc đã bàn giao tại ngày báo cáo "
        "(thửa: dữ liệu mô phỏng — không phải số liệu thật).",
        "Hectares of parcels cleared or handed over on the report date (parcels: synthetic data "
        "— not real figures).",
    ),
    "dash.metric.relocations_completed": Text(
        "Số khu phải di dời (hạn trong năm) đã chuyển sang trạng thái đã di dời hoặc đóng cửa.",
        "Sites to be relocated (deadline within the year) whose status is relocated or closed.",
    ),
    "dash.metric.kcn_compliant_wastewater_pct": Text(
        "Tỷ lệ KCN đã thành lập có trạm xử lý nước thải tập trung vận hành đạt chuẩn, trong số KCN "
        "đã ghi nhận tình trạng trạm; KCN chưa ghi nhận được đếm riêng, không tính là 0.",
        "Share of established KCN with a compliant central wastewater plant in operation, among "
        "the KCN whose plant status is recorded; those not recorded are counted apart, not as 0.",
    ),
    "dash.metric.enterprises_digital_support_pct": Text(
        "Sổ đăng ký không lưu số doanh nghiệp được hỗ trợ.",
        "The registry holds no count of supported enterprises.",
    ),
    "dash.relocations_due": Text("khu có hạn di dời trong năm", "sites due to move this year"),
    "dash.kcn_counted": Text("KCN được tính", "KCN counted"),
    "dash.no_data": Text("Chưa có số liệu", "No data"),
    "dash.reported": Text(
        "Số liệu cơ quan báo cáo (không cộng vào số liệu của sổ đăng ký)",
        "Reported by an agency (not added to the registry's figure)",
    ),
    "dash.unknown": Text(
        "Số khu chưa ghi nhận số liệu (không tính là 0)", "Sites with no recorded data (not 0)"
    ),
    "dash.left_out": Text(
        "Không tính vào tổng của tỉnh cho đến khi ranh giới được sửa (ranh giới nằm ngoài tỉnh "
        "đã ghi hoặc ngoài lãnh thổ Việt Nam)",
        "Left out of the province's totals until the outline is corrected (outline outside the "
        "province stated or outside Vietnam)",
    ),
    "dash.place.outside_vietnam": Text("ranh giới nằm ngoài Việt Nam", "outline outside Vietnam"),
    "dash.place.outside_province": Text(
        "ranh giới nằm ngoài tỉnh đã ghi", "outline outside the province stated"
    ),
    "dash.charts": Text("Biểu đồ", "Charts"),
    "dash.chart_clearance": Text(
        "Giải phóng mặt bằng theo khu (ha; dữ liệu mô phỏng — không phải số liệu thật)",
        "Site clearance by site (ha; synthetic data — not real figures)",
    ),
    "dash.chart_forest": Text(
        "Diện tích khu trên đất rừng theo loại khu (ha; dữ liệu mô phỏng — không phải số liệu "
        "thật)",
        "Site hectares on forest land by kind (ha; synthetic data — not real figures)",
    ),
    "dash.forest_totals": Text("Tổng chồng lấn đất rừng", "Forest overlap totals"),
    "dash.sites_count": Text("Số khu", "Sites"),
    "dash.site_area": Text("Diện tích khu", "Site area"),
}

_ENUMS = {
    "kind.industrial_zone": Text("Khu công nghiệp", "Industrial zone"),
    "kind.industrial_cluster": Text("Cụm công nghiệp", "Industrial cluster"),
    "kind.mining_site": Text("Mỏ khoáng sản", "Mining site"),
    "kind.relocation_area": Text("Khu di dời, tái định cư", "Relocation area"),
    "status.planned": Text("Quy hoạch", "Planned"),
    "status.established": Text("Đã thành lập", "Established"),
    "status.under_construction": Text("Đang xây dựng", "Under construction"),
    "status.operating": Text("Đang hoạt động", "Operating"),
    "status.expanding": Text("Đang mở rộng", "Expanding"),
    "status.relocating": Text("Đang di dời", "Relocating"),
    "status.relocated": Text("Đã di dời", "Relocated"),
    "status.closed": Text("Đã đóng cửa", "Closed"),
    "status.converting_eco_industrial": Text(
        "Chuyển đổi KCN sinh thái", "Converting to eco-industrial"
    ),
    "source.surveyed": Text("Đo đạc (bảng toạ độ VN-2000)", "Surveyed (VN-2000 table)"),
    "source.digitized": Text("Số hoá từ bản đồ (ranh tạm)", "Digitised from maps (provisional)"),
    "source.indicative": Text("Chỉ định hướng", "Indicative"),
    "wastewater.none": Text("Chưa có", "None"),
    "wastewater.under_construction": Text("Đang xây dựng", "Under construction"),
    "wastewater.operating_compliant": Text("Vận hành đạt chuẩn", "Operating, compliant"),
    "wastewater.operating_non_compliant": Text(
        "Vận hành chưa đạt chuẩn", "Operating, not compliant"
    ),
    "licence.none": Text("Chưa có", "None"),
    "licence.applied": Text("Đang xin cấp", "Applied for"),
    "licence.licensed": Text("Đã cấp phép", "Licensed"),
    "licence.suspended": Text("Tạm đình chỉ", "Suspended"),
    "licence.expired": Text("Hết hạn", "Expired"),
    "clearance.not_started": Text("Chưa thực hiện", "Not started"),
    "clearance.compensating": Text("Đang bồi thường", "Compensating"),
    "clearance.cleared": Text("Đã giải phóng mặt bằng", "Cleared"),
    "clearance.handed_over": Text("Đã bàn giao", "Handed over"),
    "infra.road": Text("Đường giao thông", "Road"),
    "infra.technical_infrastructure": Text("Hạ tầng kỹ thuật", "Technical infrastructure"),
    "infra.wastewater_plant": Text("Trạm xử lý nước thải", "Wastewater plant"),
    "infra_status.planned": Text("Quy hoạch", "Planned"),
    "infra_status.approved": Text("Đã phê duyệt", "Approved"),
    "infra_status.under_construction": Text("Đang xây dựng", "Under construction"),
    "infra_status.completed": Text("Hoàn thành", "Completed"),
    "forest.special_use": Text("Rừng đặc dụng", "Special-use forest"),
    "forest.protection": Text("Rừng phòng hộ", "Protection forest"),
    "forest.production": Text("Rừng sản xuất", "Production forest"),
    "origin.natural": Text("Rừng tự nhiên", "Natural"),
    "origin.planted": Text("Rừng trồng", "Planted"),
    "unit.ha": Text("ha", "ha"),
    "unit.count": Text("khu", "sites"),
    "unit.pct": Text("%", "%"),
}

_IMPORT = {
    "page.import": Text("Nhập dữ liệu chính thức", "Import official layers"),
    "nav.import": Text("Nhập dữ liệu", "Import"),
    "import.intro": Text(
        "Nạp một lớp dữ liệu như cơ quan giao: Shapefile nén, GeoPackage, GeoJSON, KML, MapInfo, "
        "DGN v7, DXF hoặc CSV; VN-2000 (có hay không TOWGS84), chữ TCVN3, VNI hoặc Windows-1258. "
        "Mặc định chỉ chạy thử và báo cáo từng dòng; khi ghi, mọi thay đổi được áp dụng cùng "
        "lúc hoặc không gì cả, và phiên bản cũ vẫn tra được theo thời điểm.",
        "Load a layer as agencies deliver it: zipped Shapefile, GeoPackage, GeoJSON, KML, "
        "MapInfo, DGN v7, DXF or CSV; VN-2000 (with or without TOWGS84), text in TCVN3, VNI or "
        "Windows-1258. By default a dry run reports every row; a commit applies everything at "
        "once or nothing, and the earlier version stays answerable by date.",
    ),
    "import.sign_in": Text(
        "Đăng nhập với tài khoản được giao lớp dữ liệu để nhập.",
        "Sign in with an account that keeps the layer to import it.",
    ),
    "import.file": Text("Tệp", "File"),
    "import.layer": Text("Lớp", "Layer"),
    "import.layer_forest": Text("Đất rừng (kiểm kê rừng)", "Forest land (forest inventory)"),
    "import.layer_protected": Text("Khu bảo tồn", "Protected areas"),
    "import.mapping_wdpa": Text("Khu bảo tồn theo WDPA", "Protected areas in WDPA fields"),
    "import.layer_admin": Text("Địa giới hành chính", "Administrative boundaries"),
    "import.layer_sites": Text(
        "Khu, cụm công nghiệp, mỏ, khu tái định cư (ranh giới khảo sát)",
        "Zones, clusters, mines, relocation areas (surveyed outlines)",
    ),
    "import.layer_clearance": Text("Thửa đất giải phóng mặt bằng", "Clearance (GPMB) parcels"),
    "import.layer_infrastructure": Text("Hạ tầng (đường, xử lý nước thải)", "Infrastructure"),
    "import.mapping_sites": Text("Khu theo trường của sitereg", "Sites in sitereg's fields"),
    "import.mapping_clearance": Text(
        "Danh sách thửa GPMB theo trường của sitereg", "Clearance parcels in sitereg's fields"
    ),
    "import.mapping_infrastructure": Text(
        "Hạ tầng theo trường của sitereg", "Infrastructure in sitereg's fields"
    ),
    "import.mapping_communes": Text(
        "Ranh giới xã, phường 2025 (ma_xa, ten_xa)", "2025 commune boundaries (ma_xa, ten_xa)"
    ),
    "import.dataset": Text("Bộ dữ liệu (được thay thế)", "Dataset (replaced)"),
    "import.mapping": Text("Ánh xạ trường", "Field mapping"),
    "import.mapping_inventory": Text(
        "Kiểm kê rừng (FORMIS: malr3, nggocr, ldlr)",
        "Forest inventory (FORMIS: malr3, nggocr, ldlr)",
    ),
    "import.mapping_sitereg": Text("Tệp xuất từ sitereg", "A sitereg export"),
    "import.encoding": Text("Bảng mã chữ", "Text encoding"),
    "import.encoding_auto": Text("Tự nhận biết", "Detect"),
    "import.crs": Text("Hệ tọa độ khi tệp không có .prj", "CRS when the file has no .prj"),
    "import.decision": Text("Số hiệu quyết định (id)", "Legal decision (id)"),
    "import.reason": Text("Lý do", "Reason"),
    "import.commit": Text("Ghi vào sổ đăng ký", "Write it to the registry"),
    "import.dry_only": Text(
        "Biên tập viên ghi vào sổ thì thành bản nháp: chạy thử trước, người phê duyệt duyệt "
        "mới ghi.",
        "An editor's commit is a draft: it runs as a dry run and is written once an approver "
        "approves it.",
    ),
    "import.awaiting": Text(
        "Bản nháp: đang chờ người phê duyệt duyệt rồi mới ghi vào sổ đăng ký.",
        "Draft: waiting for an approver before anything is written to the registry.",
    ),
    "import.start": Text("Bắt đầu", "Start"),
    "import.uploading": Text("Đang tải lên…", "Uploading…"),
    "import.queued": Text("Đang chờ", "Waiting"),
    "import.phase.reading": Text("Đang đọc", "Reading"),
    "import.phase.checking": Text("Đang kiểm tra", "Checking"),
    "import.phase.applying": Text("Đang ghi", "Writing"),
    "import.phase.done": Text("Xong", "Done"),
    "import.committed": Text("Đã ghi vào sổ đăng ký", "Written to the registry"),
    "import.dry_run": Text("Chạy thử: chưa ghi gì", "Dry run: nothing written"),
    "import.failed": Text("Không nhập được", "The import failed"),
    "import.report": Text("Báo cáo từng dòng (CSV)", "Row-by-row report (CSV)"),
    "import.notable": Text("Các dòng cần xem (50 dòng đầu)", "Rows to look at (first 50)"),
    "import.row": Text("Dòng", "Row"),
    "import.key": Text("Khóa", "Key"),
    "import.state": Text("Kết quả", "Result"),
    "import.why": Text("Lý do", "Reason"),
    "import.status.created": Text("thêm mới", "created"),
    "import.status.updated": Text("cập nhật", "updated"),
    "import.status.unchanged": Text("không đổi", "unchanged"),
    "import.status.removed": Text("xóa (còn trong lịch sử)", "removed (kept in the history)"),
    "import.status.skipped": Text("bỏ qua", "skipped"),
    "import.status.rejected": Text("từ chối", "rejected"),
    "import.status.flagged": Text(
        "đã nhập, có cảnh báo cần xem", "imported, with a flag to look at"
    ),
}

_NOTES = {
    # Notes of the analysis answers: English as the JSON API gives them, Vietnamese in the
    # Vietnamese pages and reports (``Message``).
    "note.forest_synthetic": Text(
        "Lớp đất rừng là dữ liệu MÔ PHỎNG (được sinh ra, không phải đất rừng thật): số liệu cho "
        "thấy cách phân tích vận hành, không cho biết rừng ở đâu. Hãy nhập số liệu kiểm kê rừng "
        "chính thức để có số liệu thật.",
        "The forest layer is SYNTHETIC demo data (generated, not real forest land): figures show "
        "how the analysis works, not where forest is. Import the official forest inventory to "
        "get real figures.",
    ),
    "note.no_forest": Text(
        "Chưa nạp lớp đất rừng: mọi số liệu rừng bằng 0 vì không có gì để so sánh, không phải vì "
        "khu đất không có rừng.",
        "No forest layer is loaded: every forest figure is 0 because there is nothing to compare "
        "with, not because the land is free of forest.",
    ),
    "note.as_of": Text(
        "Tại thời điểm {when}: sổ đăng ký như đã ghi nhận lúc đó (as_of).",
        "As of {when}: the registry as it was recorded then (as_of).",
    ),
    "note.zone_unknown_province": Text(
        "Chưa có diện tích VN-2000 (area_vn2000_ha): chưa ghi nhận múi chiếu TM-3 VN-2000 của "
        "tỉnh {province}. Hãy gửi ranh giới trong múi TM-3 VN-2000 của nó (tệp .prj, hoặc crs= "
        "EPSG:9208 cho Lào Cai, EPSG:9205 cho Lai Châu) để có diện tích phẳng.",
        "area_vn2000_ha is empty: no VN-2000 TM-3 zone is recorded for {province}. Send the "
        "boundary in its VN-2000 TM-3 zone (a .prj, or crs= EPSG:9208 for Lào Cai, EPSG:9205 for "
        "Lai Châu) to get the planar area.",
    ),
    "note.zone_outside": Text(
        "Chưa có diện tích VN-2000 (area_vn2000_ha): ranh giới đề xuất không nằm trong tỉnh nào "
        "đã nạp vào sổ đăng ký. Hãy gửi ranh giới trong múi TM-3 VN-2000 của nó (tệp .prj, hoặc "
        "crs= EPSG:9208 cho Lào Cai, EPSG:9205 cho Lai Châu) để có diện tích phẳng.",
        "area_vn2000_ha is empty: the proposal lies in none of the provinces loaded in the "
        "registry. Send the boundary in its VN-2000 TM-3 zone (a .prj, or crs= EPSG:9208 for "
        "Lào Cai, EPSG:9205 for Lai Châu) to get the planar area.",
    ),
    "note.table_read": Text(
        "Đã đọc bảng toạ độ theo dòng tiêu đề số {row}: X (toạ độ Bắc) = cột “{x}”, Y (toạ độ "
        "Đông) = cột “{y}”, điểm = cột “{point}”, thửa = cột “{parcel}”, vòng = cột “{ring}”; "
        "{points} điểm, {parcels} thửa. Hãy kiểm tra lại đúng các cột này.",
        "Coordinate table read from the headings in row {row}: X (northing) = column “{x}”, "
        "Y (easting) = column “{y}”, point = column “{point}”, parcel = column “{parcel}”, "
        "ring = column “{ring}”; {points} points, {parcels} parcel(s). Check that these are "
        "the right columns.",
    ),
    "note.drawing_read": Text(
        "Bản vẽ {format}: các đa giác và đường polyline khép kín được đọc là ranh giới; đường hở, "
        "điểm và chữ được bỏ qua.",
        "{format} drawing: its polygons and closed polylines are read as the boundary; open "
        "lines, points and text are left out.",
    ),
}

_PROVENANCE = {
    # A site's source quality (``sites.source_quality``): codes of the seed compilers.
    "quality.official_coordinate_table": Text(
        "Bảng toạ độ VN-2000 trong quyết định hoặc hồ sơ chính thức",
        "VN-2000 coordinate table in a decision or official dossier",
    ),
    "quality.coordinate_table_corrected_by_publisher": Text(
        "Bảng toạ độ, nơi công bố đã sửa lỗi (cần đối chiếu hồ sơ gốc)",
        "Coordinate table corrected by the publisher (check against the dossier)",
    ),
    "quality.investor_proposal_coordinate_table": Text(
        "Toạ độ từ đề xuất của nhà đầu tư, chưa phải ranh được duyệt",
        "Coordinates from an investor's proposal, not the approved boundary",
    ),
    "quality.provisional_boundary": Text(
        "Ranh tạm số hoá từ KMZ/CAD/KML, chờ hồ sơ gốc",
        "Provisional outline digitised from KMZ/CAD/KML, pending the dossier",
    ),
    "quality.unspecified_provenance": Text(
        "Nơi công bố không ghi nguồn gốc ranh giới", "The publisher names no source"
    ),
    "quality.location_confidence": Text(
        "Độ tin cậy vị trí: {level}", "Location confidence: {level}"
    ),
    "quality.unknown": Text("Mã chất lượng chưa có nhãn", "A quality code with no label"),
    "confidence.high": Text("cao", "high"),
    "confidence.medium": Text("trung bình", "medium"),
    "confidence.medium_low": Text("trung bình thấp", "medium-low"),
    "confidence.low": Text("thấp", "low"),
    "confidence.very_low": Text("rất thấp", "very low"),
    "fact.source_notes": Text(
        "Ghi chú nguồn của người tổng hợp (nguyên văn tiếng Anh)",
        "The compilers' source notes (verbatim)",
    ),
    "fact.data_date": Text("Ngày của số liệu", "Data as of"),
    "fact.data_date_hint": Text("ngày văn bản làm căn cứ", "the date of the document it rests on"),
    "fact.recorded_at": Text("Ghi vào sổ đăng ký", "Recorded in the registry"),
    "fact.verbatim": Text("nguyên văn", "verbatim"),
}

_PROBLEMS = {
    # Problem+json answers shown on a page: a sentence per ``code``, the API's detail after it.
    "problem.detail": Text("Chi tiết kỹ thuật (tiếng Anh)", "Technical detail"),
    "problem.unauthorized": Text("Cần đăng nhập.", "You need to sign in."),
    "problem.forbidden": Text(
        "Tài khoản này không có quyền làm việc này.", "This account may not do this."
    ),
    "problem.csrf-failed": Text(
        "Phiên làm việc đã hết hạn: hãy tải lại trang.", "The session expired: reload the page."
    ),
    "problem.too-many-sign-ins": Text(
        "Đăng nhập sai quá nhiều lần: hãy chờ rồi thử lại.",
        "Too many failed sign-ins: wait and try again.",
    ),
    "problem.not-found": Text("Không tìm thấy.", "Not found."),
    "problem.conflict": Text(
        "Xung đột với dữ liệu đã có trong sổ đăng ký.", "It conflicts with the registry."
    ),
    "problem.invalid-feature": Text(
        "Dữ liệu gửi lên có thuộc tính không hợp lệ.", "A property sent is not valid."
    ),
    "problem.method-not-allowed": Text(
        "Không sửa được lớp dữ liệu này.", "This collection cannot be edited."
    ),
    "problem.version-mismatch": Text(
        "Đối tượng đã bị người khác sửa trong lúc này: hãy tải lại.",
        "Someone changed it meanwhile: reload it.",
    ),
    "problem.version-required": Text(
        "Thiếu phiên bản đang sửa: hãy tải lại trang.",
        "The version being edited is missing: reload the page.",
    ),
    "problem.invalid-geometry": Text(
        "Ranh giới không hợp lệ (tự cắt, không khép kín hoặc quá ít điểm).",
        "The boundary is not valid (self-crossing, open or too few points).",
    ),
    "problem.unknown-crs": Text(
        "Không biết hệ toạ độ của tệp: hãy chọn hệ toạ độ (VN-2000 của tỉnh) trong danh sách "
        "“Hệ toạ độ” rồi kiểm tra lại.",
        "The file's coordinate system is unknown: choose it (the province's VN-2000) under "
        "“Coordinate system” and check again.",
    ),
    "problem.outside-vietnam": Text(
        "Ranh giới nằm ngoài Việt Nam: hệ toạ độ đã chọn có đúng không?",
        "The boundary lies outside Vietnam: is the coordinate system right?",
    ),
    "problem.unreadable-file": Text("Không đọc được tệp.", "The file cannot be read."),
    "problem.unsupported-format": Text(
        "Định dạng tệp không được hỗ trợ.", "The file's format is not supported."
    ),
    "problem.too-large": Text("Tệp quá lớn.", "The file is too large."),
    "problem.proposal-over-limit": Text(
        "Ranh giới quá lớn hoặc quá nhiều điểm để kiểm tra.",
        "The boundary is too large or has too many points to check.",
    ),
    "problem.invalid-parameter": Text("Tham số không hợp lệ.", "A parameter is not valid."),
    "problem.malformed-body": Text(
        "Nội dung gửi lên không đọc được.", "The request body cannot be read."
    ),
    "problem.not-acceptable": Text(
        "Không có định dạng trả lời được yêu cầu.", "No answer in the format asked for."
    ),
    "problem.internal-error": Text(
        "Lỗi của hệ thống: hãy thử lại sau.", "A server error: try again later."
    ),
    "problem.database-unavailable": Text(
        "Cơ sở dữ liệu đang không trả lời: hãy thử lại sau ít giây.",
        "The database is not answering: try again in a few seconds.",
    ),
    "problem.took-too-long": Text(
        "Yêu cầu chạy quá lâu: hãy thử lại với ranh giới nhỏ hơn.",
        "The request took too long: try a smaller boundary.",
    ),
    # Warnings of a write (app/services/write_checks.py): accepted, but for people to look at.
    "warning.geometry-repaired": Text(
        "Ranh giới đã được PostGIS tự sửa (ST_MakeValid): hãy kiểm tra lại hình dạng.",
        "PostGIS repaired the outline (ST_MakeValid): check its shape.",
    ),
    "warning.province-not-checked": Text(
        "Sổ đăng ký chưa có ranh giới tỉnh này: vị trí chưa được kiểm tra.",
        "The registry has no outline of this province: the location was not checked.",
    ),
    "warning.outside-stated-province": Text(
        "Ranh giới không nằm trong tỉnh đã ghi: vẫn nhận và đánh dấu để xem lại.",
        "The outline is not inside the province stated: accepted and flagged.",
    ),
    "warning.area-differs-from-planned": Text(
        "Diện tích tính từ ranh giới chênh nhiều so với diện tích quy hoạch.",
        "The outline's area differs much from the planned area.",
    ),
    "problem.http-error": Text("Yêu cầu không thực hiện được.", "The request failed."),
}

_BOUNDARY = {
    # A site's boundary as a coordinate table or DXF (app/ogc/downloads/boundary.py).
    "boundary.title": Text(
        "Bảng toạ độ ranh giới: {name} ({code})", "Boundary coordinates: {name} ({code})"
    ),
    "boundary.crs": Text(
        "Hệ toạ độ VN-2000, kinh tuyến trục {meridian}, múi chiếu 3° ({epsg}); X: toạ độ Bắc (m), "
        "Y: toạ độ Đông (m); mỗi vòng khép lại bằng điểm đầu.",
        "VN-2000, TM-3 zone on central meridian {meridian} ({epsg}); X = northing (m), "
        "Y = easting (m); each ring closes on its first point.",
    ),
    "boundary.area": Text(
        "Diện tích phẳng VN-2000: {area} ha", "Planar area in VN-2000: {area} ha"
    ),
    "boundary.source": Text("Nguồn ranh giới: {source}.", "Outline source: {source}."),
    "boundary.caveat_surveyed": Text(
        "Toạ độ được tính lại từ ranh giới WGS 84 lưu trong sổ đăng ký (phép chuyển EPSG:6960, "
        "sai số khoảng 1 m): chỉ để tham khảo; bảng toạ độ trong quyết định mới là căn cứ pháp lý.",
        "Coordinates recomputed from the registry's WGS 84 outline (EPSG:6960 transformation, "
        "about 1 m): for reference; the decision's own table is the legal record.",
    ),
    "boundary.caveat_indicative": Text(
        "Ranh giới chỉ định hướng — không phải toạ độ đo đạc, không dùng thay bảng toạ độ trong "
        "quyết định. Toạ độ tính lại từ ranh giới WGS 84 của sổ đăng ký (EPSG:6960).",
        "Indicative outline — not surveyed coordinates; it replaces no decision's coordinate "
        "table. Recomputed from the registry's WGS 84 outline (EPSG:6960).",
    ),
    "boundary.exported": Text("Xuất từ sitereg ngày {date}.", "Exported from sitereg on {date}."),
    "boundary.part": Text("Vùng", "Part"),
    "boundary.ring": Text("Vòng (0 = ranh ngoài)", "Ring (0 = outline)"),
    "boundary.point": Text("Điểm", "Point"),
    "boundary.x": Text("X (m) — Bắc", "X (m) northing"),
    "boundary.y": Text("Y (m) — Đông", "Y (m) easting"),
    "boundary.download_csv": Text("Bảng toạ độ VN-2000 (CSV)", "VN-2000 coordinate table (CSV)"),
    "boundary.download_xlsx": Text(
        "Bảng toạ độ VN-2000 (Excel)", "VN-2000 coordinate table (Excel)"
    ),
    "boundary.download_dxf": Text("Bản vẽ DXF (VN-2000)", "DXF drawing (VN-2000)"),
}

TEXTS: dict[str, Text] = {
    **_PAGES,
    **_MAP,
    **_FACTS,
    **_SITE,
    **_CHECK,
    **_EDIT,
    **_DASHBOARD,
    **_IMPORT,
    **_ENUMS,
    **_NOTES,
    **_BOUNDARY,
    **_PROVENANCE,
    **_PROBLEMS,
}


@dataclass(frozen=True)
class Message:
    """A label of the table with its values, worded in either language when it is shown."""

    key: str
    values: tuple[tuple[str, str], ...] = ()

    def text(self, lang: Lang) -> str:
        """Return the label in ``lang`` with its values filled in."""
        return str(getattr(TEXTS[self.key], lang)).format(**dict(self.values))


def parse_lang(value: str | None) -> Lang:
    """Return the language named by ``value`` (``vi`` or ``en``), Vietnamese otherwise."""
    return "en" if value == "en" else DEFAULT_LANG


def texts(lang: Lang) -> dict[str, str]:
    """Return every label in ``lang``, keyed like ``TEXTS`` (sent to the browser as JSON)."""
    return {key: getattr(text, lang) for key, text in TEXTS.items()}


def translator(lang: Lang) -> Callable[[str], str]:
    """Return ``t(key)`` for templates; an unknown key raises ``KeyError`` at render time."""

    def t(key: str) -> str:
        return str(getattr(TEXTS[key], lang))

    return t


def format_number(value: float | None, lang: Lang, digits: int = 1) -> str:
    """Return ``value`` with ``digits`` decimals: ``1.234,5`` in Vietnamese, ``1,234.5`` in English.

    Babel formats with the locale's CLDR symbols, as the browser's ``Intl.NumberFormat`` does in
    ``static/map/common.js``. Both round the exact binary value half away from zero, so a figure
    reads the same in a server-rendered page and in a script-drawn panel. ``None`` (an unknown
    figure) becomes an em dash.
    """
    if value is None:
        return "—"
    with localcontext() as context:
        context.rounding = ROUND_HALF_UP
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        return format_decimal(Decimal(value), pattern, locale=_LOCALES[lang])


def format_date(value: date | None, lang: Lang) -> str:
    """Return ``value`` as ``25/11/2026`` in Vietnamese and ``25 Nov 2026`` in English.

    Vietnamese keeps the four-digit year of official documents (CLDR's short form has two);
    English takes CLDR's medium British form, unambiguous about day and month.
    """
    if value is None:
        return "—"
    return format_date_cldr(value, _DATE_FORMATS[lang], locale=_LOCALES[lang])


def source_quality_label(code: str | None, lang: Lang) -> str | None:
    """Return the label of a site's ``source_quality`` code, with the code after an unknown one.

    ``location_confidence:<level>`` names the confidence level (``confidence.<level>``).
    """
    if not code:
        return None
    group, _, level = code.partition(":")
    if group == "location_confidence" and f"confidence.{level}" in TEXTS:
        level_text = getattr(TEXTS[f"confidence.{level}"], lang)
        return Message("quality.location_confidence", (("level", level_text),)).text(lang)
    known = TEXTS.get(f"quality.{code}")
    if known is None:
        return f"{getattr(TEXTS['quality.unknown'], lang)} ({code})"
    return str(getattr(known, lang))
