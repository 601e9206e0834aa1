"""A notebook, executed and rendered to HTML with nbconvert, loads in headless Chromium with
no console error, fetches nothing from the network, and shows what the learner should see."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from headless_chromium import available, load_page

from stacklab.catalog import lab
from stacklab.notebooks.builder import output_path
from stacklab.notebooks.execute import run_notebook
from stacklab.notebooks.export import to_html

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration

PROBES = {
    # nbconvert shows SVG output as an <img>: a drawn one has a width (a broken one has none)
    "svg drawn": "[...document.images].filter(i => i.src.startsWith('data:image/svg+xml')"
                 " && i.complete && i.naturalWidth > 900).length",
    "check rows": "document.querySelectorAll('table tbody tr').length",
    "side by side": "[...document.querySelectorAll('th')]"
                    ".some(th => th.textContent.includes('2012'))",
    "red exit": "document.querySelectorAll('.stacklab-exit').length",
    "title": "document.querySelector('h1') && document.querySelector('h1').textContent",
}


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    why = available()
    if why:
        pytest.skip(why)
    # lab 2 has the live picture, the questions, a %%vm cell and the check table
    nb = nbformat.read(output_path(ROOT, lab(2), "instructor"), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("%%vm\nif then", id="syntax-error"))
    run_notebook(nb, target="dry-run", strict=False, cell_timeout=120, cwd=ROOT)
    html = tmp_path_factory.mktemp("sln-html") / "02-architecture.html"
    html.write_text(to_html(nb), encoding="utf-8")
    return load_page(html.as_uri(), PROBES)


def test_no_console_error_and_nothing_fetched_from_the_network(page):
    assert page.errors == []
    assert all(url.startswith(("file:", "data:")) for url in page.requests), page.requests


def test_the_page_shows_the_picture_the_table_and_the_red_exit(page):
    assert page.values["title"].startswith("Lab 2")
    assert page.values["svg drawn"] == 1
    assert page.values["check rows"] >= 5  # one per knowledge question
    assert page.values["red exit"] == 1


def test_the_step_tables_render_side_by_side(tmp_path):
    if available():
        pytest.skip(available())
    nb = nbformat.read(output_path(ROOT, lab(3), "learner"), as_version=4)
    html = tmp_path / "03.html"
    html.write_text(to_html(nb), encoding="utf-8")
    report = load_page(html.as_uri(), {"side by side": PROBES["side by side"]})
    assert report.errors == [] and report.values["side by side"] is True
