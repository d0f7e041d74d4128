import xml.etree.ElementTree as ET

from spatial.io.qml import qml, rgba
from spatial.io.sld import sld
from spatial.io.styles import Condition, LayerStyle, Rule, Symbol, SymbolKind, renamed

SLD = {"sld": "http://www.opengis.net/sld", "ogc": "http://www.opengis.net/ogc"}
FILL = Symbol(SymbolKind.FILL, "#7b2fa1", 2, 0.95, fill="#7b2fa1", fill_opacity=0.22)
DASHED = Symbol(SymbolKind.LINE, "#37474f", 2.5, dash_px=(7, 5))
STYLE = LayerStyle(
    layer="sites",
    title="Khu",
    rules=(
        Rule("Khu công nghiệp", FILL, (Condition("kind", "industrial_zone"),)),
        Rule(
            "Đường — chỉ định hướng",
            DASHED,
            (Condition("kind", "road"), Condition("note", "it's", equal=False)),
        ),  # fmt: skip
    ),
    aliases={"kind": "Loại"},
    value_labels={"kind": {"industrial_zone": "Khu công nghiệp"}},
    label_field="name",
)


def test_rgba_turns_a_css_colour_and_opacity_into_qgis_text():
    assert rgba("#7b2fa1", 0.22) == "123,47,161,56"


def test_condition_quotes_values_as_qgis_expressions():
    assert Condition("note", "it's", equal=False).expression() == "\"note\" <> 'it''s'"


def test_qml_has_one_rule_per_legend_entry_with_its_filter():
    root = ET.fromstring(qml(STYLE))
    rules = root.findall("./renderer-v2/rules/rule")
    assert [rule.get("label") for rule in rules] == ["Khu công nghiệp", "Đường — chỉ định hướng"]
    assert rules[1].get("filter") == "\"kind\" = 'road' AND \"note\" <> 'it''s'"
    assert root.get("labelsEnabled") == "1"
    assert root.find("./labeling/settings/text-style").get("fieldName") == "name"


def test_qml_fill_is_a_fill_and_a_line_and_dashes_are_custom():
    root = ET.fromstring(qml(STYLE))
    fill, line = root.findall("./renderer-v2/symbols/symbol[@name='0']/layer")
    assert (fill.get("class"), line.get("class")) == ("SimpleFill", "SimpleLine")
    dashed = root.find("./renderer-v2/symbols/symbol[@name='1']/layer/Option")
    options = {option.get("name"): option.get("value") for option in dashed}
    assert options["use_custom_dash"] == "1" and options["customdash"] == "7;5"
    assert options["customdash_unit"] == "Pixel"


def test_qml_value_map_and_aliases():
    root = ET.fromstring(qml(STYLE))
    widget = root.find("./fieldConfiguration/field[@name='kind']/editWidget")
    assert widget.get("type") == "ValueMap"
    entry = widget.find(".//Option[@name='map']/Option/Option")
    assert (entry.get("name"), entry.get("value")) == ("Khu công nghiệp", "industrial_zone")
    assert root.find("./aliases/alias[@field='kind']").get("name") == "Loại"


def test_sld_rules_have_titles_filters_and_dashes():
    root = ET.fromstring(sld(STYLE).encode())
    rules = root.findall(".//sld:Rule", SLD)
    assert rules[0].find("sld:Title", SLD).text == "Khu công nghiệp"
    equal = rules[0].find("ogc:Filter/ogc:PropertyIsEqualTo", SLD)
    assert [child.text for child in equal] == ["kind", "industrial_zone"]
    assert rules[1].find("ogc:Filter/ogc:And/ogc:PropertyIsNotEqualTo", SLD) is not None
    dash = rules[1].find(".//sld:LineSymbolizer//sld:CssParameter[@name='stroke-dasharray']", SLD)
    assert dash.text == "7 5"
    label = rules[-1].find("sld:TextSymbolizer/sld:Label/ogc:PropertyName", SLD)
    assert label.text == "name"


def test_sld_marker_has_its_size():
    marker = LayerStyle("communes", "Xã", (Rule("Xã", Symbol(SymbolKind.MARKER, "#6d7b80")),))
    root = ET.fromstring(sld(marker).encode())
    graphic = root.find(".//sld:PointSymbolizer/sld:Graphic", SLD)
    assert [child.tag.split("}")[1] for child in graphic] == ["Mark", "Size"]


def test_renamed_style_follows_a_shapefile_s_field_names():
    short = renamed(STYLE, {"kind": "knd", "name": "nm"}, "sites_polygons")
    assert short.layer == "sites_polygons" and short.label_field == "nm"
    assert short.rules[0].expression() == "\"knd\" = 'industrial_zone'"
    assert set(short.value_labels) == {"knd"} and set(short.aliases) == {"knd"}
