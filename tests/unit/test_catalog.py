"""Lab numbers: the fourteen labs, selections, and the error for one that does not exist."""

import pytest

from stacklab.catalog import LABS, lab, select
from stacklab.errors import StacklabError


def test_one_lab_per_tutorial_section_in_order():
    assert [x.number for x in LABS] == list(range(1, 15))
    assert [x.section.split()[0] for x in LABS] == [str(n) for n in range(1, 15)]
    assert lab(3).name == "03-mysql" and lab(3).grader_module == "test_03_mysql"
    assert [x.number for x in LABS if not x.on_host] == [1, 2]


@pytest.mark.parametrize(("spec", "numbers"), [
    (None, list(range(1, 15))), ("all", list(range(1, 15))), ("7", [7]),
    ("3-5", [3, 4, 5]), ("3..5", [3, 4, 5]), ("9, 3,4-4", [3, 4, 9]),
])
def test_selections(spec, numbers):
    assert [x.number for x in select(spec)] == numbers


@pytest.mark.parametrize("spec", ["15", "0", "x", "3-99", "-2"])
def test_a_lab_that_does_not_exist_gets_one_clear_line(spec):
    with pytest.raises(StacklabError) as caught:
        select(spec)
    assert "does not exist: labs are numbered 1 to 14" in caught.value.message
    assert caught.value.hint == "see `stacklab labs`"


def test_a_backwards_range_says_how_to_write_it():
    with pytest.raises(StacklabError, match="runs backwards"):
        select("7-3")
