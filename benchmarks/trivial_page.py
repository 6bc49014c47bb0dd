"""The baseline page of ``benchmarks/dashboard_load.py``: the dashboard's template (a
``panel_material_ui.Page``) around one Markdown pane and nothing else, served by the same server."""
import panel as pn
import panel_material_ui as pmui

pn.extension()
pmui.Page(title="trivial", busy_indicator=None,
          main=[pn.pane.Markdown("A trivial page.", css_classes=["dl-trivial"])]).servable()
