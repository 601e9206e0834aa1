"""The `%check` table in JupyterLab 4, Notebook 7 and nbconvert's HTML, read in headless
Chromium: at the left, left-aligned, its marks in their colours, readable in the dark theme.

The notebook is unsigned, so JupyterLab and Notebook 7 open it untrusted and their sanitizer
drops <style> blocks: the control output (the same table styled by a <style> block and
classes) must come out wrong in each renderer, which shows the measure can tell. VS Code's
renderer is not tried (it needs a display and an extension host). Screenshots go to the
folder the test prints (STACKLAB_SCREENSHOTS, or a temporary one).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import nbformat
import pytest
from check_table_look import check_notebook, jupyter, look_at, problems
from headless_chromium import available as chromium_missing
from headless_chromium import screenshot_folder

from stacklab.notebooks.export import to_html

pytestmark = pytest.mark.integration
TOKEN = uuid.uuid4().hex
NOTEBOOK = "check.ipynb"


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    return screenshot_folder(tmp_path_factory, "check-table-screenshots")


@pytest.fixture
def kit(tmp_path) -> Path:
    why = chromium_missing()
    if why:
        pytest.skip(why)
    check_notebook(tmp_path / NOTEBOOK)
    return tmp_path


def assert_looks_right(seen: dict, where: str, *, untrusted: bool) -> None:
    """The shared verdict: the %check output has no problem, the control has some."""
    assert seen["light"] == "false", f"{where} did not switch to the dark theme"
    assert len(seen["outputs"]) == 2, f"{where}: {len(seen['outputs'])} output tables drawn"
    check, control = seen["outputs"]
    if untrusted:  # the sanitizer was at work: the control's <style> block is gone
        assert control["styles"] == 0, f"{where} kept a <style> block: trusted?"
    assert problems(control), f"{where}: the control table was not caught"
    assert problems(check) == [], where


@pytest.mark.parametrize(("module", "path"), [("jupyterlab", f"lab/tree/{NOTEBOOK}"),
                                              ("notebook", f"notebooks/{NOTEBOOK}")],
                         ids=["jupyterlab-4", "notebook-7"])
def test_check_table_in_an_untrusted_notebook(module, path, kit, shots, capsys):
    pytest.importorskip(module, reason=f"{module} is not installed (pip install {module})")
    with jupyter(module, kit, TOKEN) as base:
        shot = shots / f"check-table-{module}.png"
        seen = look_at(f"{base}/{path}?token={TOKEN}", shot)
    with capsys.disabled():
        print(f"\n%check table in {module}: screenshot {shot}")
    assert_looks_right(seen, module, untrusted=True)


def test_check_table_in_nbconvert_html(kit, shots):
    page = kit / "check.html"
    page.write_text(to_html(nbformat.read(kit / NOTEBOOK, as_version=4), theme="dark"),
                    encoding="utf-8")
    seen = look_at(page.as_uri(), shots / "check-table-nbconvert.png")
    assert_looks_right(seen, "nbconvert", untrusted=False)
