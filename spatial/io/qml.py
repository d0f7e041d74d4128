"""Write a :class:`~spatial.io.styles.LayerStyle` as a QGIS QML document (QGIS 3).

The renderer is rule-based, one rule per legend entry, so an indicative outline gets its own
dashed entry. Fill symbols are a fill without outline plus a simple line: QGIS draws custom
dashes on lines only. Coded fields get a ``ValueMap`` widget, so QGIS's attribute table and
forms show "Khu công nghiệp" where the file stores ``industrial_zone``. Each symbol layer's
properties are written both as ``Option`` maps (QGIS ≥ 3.16) and as ``prop`` elements, which
older QGIS 3 releases read.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from spatial.io.styles import LayerStyle, Rule, Symbol, SymbolKind

QGIS_VERSION = "3.28.0-Firenze"
DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"


def rgba(colour: str, opacity: float = 1.0) -> str:
    """Return ``#rrggbb`` and an opacity (0-1) as QGIS's ``r,g,b,a`` (0-255 each)."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"{red},{green},{blue},{round(opacity * 255)}"


def _options(parent: ET.Element, values: dict[str, str]) -> None:
    """Append the properties of a symbol layer in both of QGIS 3's spellings."""
    option_map = ET.SubElement(parent, "Option", type="Map")
    for key, value in sorted(values.items()):
        ET.SubElement(option_map, "Option", name=key, type="QString", value=value)
    for key, value in sorted(values.items()):
        ET.SubElement(parent, "prop", k=key, v=value)


def _line_values(symbol: Symbol) -> dict[str, str]:
    dashed = bool(symbol.dash_px)
    return {
        "line_color": rgba(symbol.stroke, symbol.stroke_opacity),
        "line_width": f"{symbol.stroke_width_px:g}",
        "line_width_unit": "Pixel",
        "line_style": "solid",
        "use_custom_dash": "1" if dashed else "0",
        "customdash": ";".join(f"{part:g}" for part in symbol.dash_px) if dashed else "5;2",
        "customdash_unit": "Pixel",
        "capstyle": "flat" if dashed else "square",
        "joinstyle": "round",
    }


def _symbol_layers(symbol: Symbol) -> list[tuple[str, dict[str, str]]]:
    """Return the (class, properties) of each QGIS symbol layer drawing ``symbol``."""
    if symbol.kind is SymbolKind.MARKER:
        marker = {
            "name": "circle",
            "color": rgba(symbol.fill or symbol.stroke, symbol.fill_opacity),
            "outline_color": rgba(symbol.stroke, symbol.stroke_opacity),
            "outline_width": f"{symbol.stroke_width_px:g}",
            "outline_width_unit": "Pixel",
            "size": f"{symbol.size_px:g}",
            "size_unit": "Pixel",
        }
        return [("SimpleMarker", marker)]
    line = ("SimpleLine", _line_values(symbol))
    if symbol.kind is SymbolKind.LINE:
        return [line]
    fill = {
        "color": rgba(symbol.fill or symbol.stroke, symbol.fill_opacity),
        "style": "solid" if symbol.fill and symbol.fill_opacity > 0 else "no",
        "outline_style": "no",
    }
    return [("SimpleFill", fill), line]


def _symbol(parent: ET.Element, index: int, symbol: Symbol) -> None:
    element = ET.SubElement(
        parent, "symbol", type=symbol.kind.value, name=str(index), alpha="1", clip_to_extent="1"
    )
    element.set("force_rhr", "0")
    for class_name, values in _symbol_layers(symbol):
        attributes = {"class": class_name, "enabled": "1", "locked": "0", "pass": "0"}
        layer = ET.SubElement(element, "layer", attributes)
        _options(layer, values)


def _renderer(parent: ET.Element, rules: tuple[Rule, ...]) -> None:
    renderer = ET.SubElement(parent, "renderer-v2", type="RuleRenderer", symbollevels="0")
    renderer.set("forceraster", "0")
    renderer.set("enableorderby", "0")
    root = ET.SubElement(renderer, "rules", key="{root}")
    symbols = ET.SubElement(renderer, "symbols")
    for index, rule in enumerate(rules):
        attributes = {"key": f"{{rule-{index}}}", "label": rule.label, "symbol": str(index)}
        if rule.conditions:
            attributes["filter"] = rule.expression()
        ET.SubElement(root, "rule", attributes)
        _symbol(symbols, index, rule.symbol)


def _labeling(parent: ET.Element, label_field: str) -> None:
    settings = ET.SubElement(ET.SubElement(parent, "labeling", type="simple"), "settings")
    text_style = ET.SubElement(
        settings, "text-style", fieldName=label_field, isExpression="0", fontSize="9"
    )
    text_style.set("textColor", "29,37,41,255")
    text_style.set("fontSizeUnit", "Point")
    ET.SubElement(text_style, "text-buffer", bufferDraw="1", bufferSize="1",
                  bufferSizeUnits="MM", bufferColor="255,255,255,255")  # fmt: skip
    ET.SubElement(settings, "placement", placement="1", priority="5")
    ET.SubElement(settings, "rendering", obstacle="1", displayAll="0", upsidedownLabels="0")


def _fields(parent: ET.Element, style: LayerStyle) -> None:
    configuration = ET.SubElement(parent, "fieldConfiguration")
    for field_name, labels in style.value_labels.items():
        widget = ET.SubElement(
            ET.SubElement(configuration, "field", name=field_name, configurationFlags="None"),
            "editWidget",
            type="ValueMap",
        )
        config = ET.SubElement(ET.SubElement(widget, "config"), "Option", type="Map")
        entries = ET.SubElement(config, "Option", name="map", type="List")
        for value, label in labels.items():
            entry = ET.SubElement(entries, "Option", type="Map")
            ET.SubElement(entry, "Option", name=label, type="QString", value=value)
    aliases = ET.SubElement(parent, "aliases")
    for field_name, alias in style.aliases.items():
        ET.SubElement(aliases, "alias", field=field_name, name=alias)


def qml(style: LayerStyle) -> str:
    """Return ``style`` as the text of a QGIS ``.qml`` file (UTF-8, no XML declaration)."""
    root = ET.Element("qgis", version=QGIS_VERSION, styleCategories="Symbology|Labeling|Fields")
    root.set("labelsEnabled", "1" if style.label_field else "0")
    _renderer(root, style.rules)
    if style.label_field:
        _labeling(root, style.label_field)
    _fields(root, style)
    ET.indent(root)
    return DOCTYPE + ET.tostring(root, encoding="unicode") + "\n"
