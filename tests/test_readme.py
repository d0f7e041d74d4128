import re

from app.settings import PROJECT_ROOT

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_documents_every_variable_of_env_example():
    example = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    variables = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert variables
    missing = {name for name in variables if f"`{name}`" not in README}
    assert not missing


def test_readme_shows_the_two_commands():
    assert "make run" in README and "make test" in README


def test_readme_lists_every_problem_type():
    from app.errors import INTERNAL, PROBLEM_TYPES

    for kind in [*PROBLEM_TYPES.values(), INTERNAL]:
        assert f"/problems/{kind.code}" in README, kind.code
