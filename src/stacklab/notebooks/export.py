"""A notebook as one self-contained HTML page that loads nothing from the network."""

from __future__ import annotations

from importlib import resources

import nbformat


def to_html(nb: nbformat.NotebookNode, theme: str = "light") -> str:
    """JupyterLab's look (its light or dark theme), without the CDN scripts (see
    templates/offline)."""
    from nbconvert import HTMLExporter

    folder = resources.files("stacklab.notebooks").joinpath("templates")
    exporter = HTMLExporter(template_name="offline", extra_template_basedirs=[str(folder)],
                            theme=theme)
    body, _ = exporter.from_notebook_node(nb)
    return body
