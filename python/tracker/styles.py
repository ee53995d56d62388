"""Named cell styles shared by the workbook builder and both adapters.

Each style is a dict of XlsxWriter format properties. The builder turns
them into formats; the xlwings adapter applies the number format, bold and
fill colour of each one to whole ranges.
"""

from __future__ import annotations

FONT = "Calibri"
PP_FILL = "#FCE4D6"
FLAG_FILL = "#F8CBAD"
HEADER_FILL = "#1F4E78"
SECTION_FILL = "#DDEBF7"
INPUT_FILL = "#FFF2CC"

STYLES: dict[str, dict] = {
    "title": {"bold": True, "font_size": 16, "font_color": HEADER_FILL},
    "subtitle": {"font_size": 11, "italic": True},
    "note": {"font_size": 9, "font_color": "#595959", "text_wrap": False},
    "section": {"bold": True, "font_size": 12, "bg_color": SECTION_FILL},
    "header": {"bold": True, "font_color": "#FFFFFF", "bg_color": HEADER_FILL, "text_wrap": True,
               "valign": "top", "border": 1},
    "text": {"valign": "top"},
    "wrap": {"valign": "top", "text_wrap": True},
    "integer": {"num_format": "0", "valign": "top"},
    "decimal": {"num_format": "0.0", "valign": "top"},
    "gap": {"num_format": "+0.0;-0.0;0.0", "valign": "top", "bold": True},
    "fraction": {"num_format": "0.0%", "valign": "top"},
    "money": {"num_format": "£#,##0.00", "valign": "top"},
    "date": {"num_format": "dd/mm/yyyy", "valign": "top"},
    "datetime": {"num_format": "dd/mm/yyyy hh:mm", "valign": "top"},
}
