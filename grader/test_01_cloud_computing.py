"""Lab 1, cloud computing: knowledge checks, answered in notebook 01 (tutorial §1)."""

import pytest

from stacklab.grading.knowledge import check_answer, knowledge_params


@pytest.mark.parametrize("question", knowledge_params(1))
def test_answer(host, question):
    check_answer(host, question)
