from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
GOLDEN = TESTS / "golden"
CORPUS = TESTS / "import_corpus"
SHARED_TEMPLATE = TESTS.parent.parent / "shared" / "template" / "fix-plan-template.md"


@pytest.fixture
def template_text() -> str:
    return (GOLDEN / "fix-plan-template.md").read_text(encoding="utf-8")
