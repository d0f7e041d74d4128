"""Write a :class:`~spatial.io.styles.LayerStyle` as an OGC SLD 1.0 document.

SLD 1.0 is what QGIS, GeoServer and MapServer all read. Each rule keeps its label as the rule's
``Title`` (the legend text); SLD has no place for value labels of attribute tables, which the
QML carries instead.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from spatial.io.styles import Condition, LayerStyle, Rule, Symbol, SymbolKind

SLD = "http://www.opengis.net/sld"
OGC = "http://www.opengis.net/ogc"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA = "http://www.opengis.net/sld http://schemas.opengis.net/sld/1.0.0/StyledLayerDescriptor.xsd"
for _prefix, _uri in (("", SLD), ("ogc", OGC), ("xsi", XSI)):
    ET.register_namespace(_prefix, _uri)


def _sld(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{SLD}}}{tag}", attributes)
    element.text = text
    return element


def _css(parent: ET.Element, values: dict[str, str]) -> None:
    for name, value in values.items():
        _sld(parent, "CssParameter", value, name=name)


def _stroke(parent: ET.Element, symbol: Symbol) -> None:
    values = {
        "stroke": symbol.stroke,
        "stroke-width": f"{symbol.stroke_width_px:g}",
        "stroke-opacity": f"{symbol.stroke_opacity:g}",
    }
    if symbol.dash_px:
        values["stroke-dasharray"] = " ".join(f"{part:g}" for part in symbol.dash_px)
    _css(_sld(parent, "Stroke"), values)


def _fill(parent: ET.Element, symbol: Symbol) -> None:
    colour = symbol.fill or symbol.stroke
    _css(_sld(parent, "Fill"), {"fill": colour, "fill-opacity": f"{symbol.fill_opacity:g}"})


def _symbolizer(parent: ET.Element, symbol: Symbol) -> None:
    if symbol.kind is SymbolKind.LINE:
        _stroke(_sld(parent, "LineSymbolizer"), symbol)
        return
    if symbol.kind is SymbolKind.FILL:
        polygon = _sld(parent, "PolygonSymbolizer")
        if symbol.fill and symbol.fill_opacity > 0:
            _fill(polygon, symbol)
        _stroke(polygon, symbol)
        return
    graphic = _sld(_sld(parent, "PointSymbolizer"), "Graphic")
    mark = _sld(graphic, "Mark")
    _sld(mark, "WellKnownName", "circle")
    _fill(mark, symbol)
    _stroke(mark, symbol)
    _sld(graphic, "Size", f"{symbol.size_px:g}")


def _comparison(parent: ET.Element, condition: Condition) -> None:
    tag = "PropertyIsEqualTo" if condition.equal else "PropertyIsNotEqualTo"
    element = ET.SubElement(parent, f"{{{OGC}}}{tag}")
    ET.SubElement(element, f"{{{OGC}}}PropertyName").text = condition.field
    ET.SubElement(element, f"{{{OGC}}}Literal").text = condition.value


def _filter(parent: ET.Element, conditions: tuple[Condition, ...]) -> None:
    target = ET.SubElement(parent, f"{{{OGC}}}Filter")
    if len(conditions) > 1:
        target = ET.SubElement(target, f"{{{OGC}}}And")
    for condition in conditions:
        _comparison(target, condition)


def _rule(parent: ET.Element, index: int, rule: Rule) -> None:
    element = _sld(parent, "Rule")
    _sld(element, "Name", f"rule-{index}")
    _sld(element, "Title", rule.label)
    if rule.conditions:
        _filter(element, rule.conditions)
    _symbolizer(element, rule.symbol)


def _label_rule(parent: ET.Element, label_field: str) -> None:
    text = _sld(_sld(parent, "Rule"), "TextSymbolizer")
    ET.SubElement(_sld(text, "Label"), f"{{{OGC}}}PropertyName").text = label_field
    _css(_sld(text, "Font"), {"font-family": "Sans-Serif", "font-size": "11"})
    halo = _sld(text, "Halo")
    _sld(halo, "Radius", "1.5")
    _css(_sld(halo, "Fill"), {"fill": "#ffffff"})
    _css(_sld(text, "Fill"), {"fill": "#1d2529"})


def sld(style: LayerStyle) -> str:
    """Return ``style`` as the text of an SLD 1.0 ``StyledLayerDescriptor`` (UTF-8)."""
    root = ET.Element(f"{{{SLD}}}StyledLayerDescriptor", version="1.0.0")
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA)
    layer = _sld(root, "NamedLayer")
    _sld(layer, "Name", style.layer)
    user_style = _sld(layer, "UserStyle")
    _sld(user_style, "Name", style.name)
    _sld(user_style, "Title", style.title)
    feature_style = _sld(user_style, "FeatureTypeStyle")
    for index, rule in enumerate(style.rules):
        _rule(feature_style, index, rule)
    if style.label_field:
        _label_rule(feature_style, style.label_field)
    ET.indent(root)
    declaration = '<?xml version="1.0" encoding="UTF-8"?>\n'
    return declaration + ET.tostring(root, encoding="unicode") + "\n"
