"""Lab 2, OpenStack's architecture in 2025 terms: knowledge checks (tutorial §2)."""

import pytest

from stacklab.grading.knowledge import check_answer, knowledge_params


@pytest.mark.parametrize("question", knowledge_params(2))
def test_answer(host, question):
    check_answer(host, question)
