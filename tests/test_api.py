"""The public Python API: the README's example runs as written; library errors carry facts, the CLI names flags."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_example() -> str:
    section = README.read_text("utf-8").split("## Python API", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_api_example_runs_in_a_repository(repo, monkeypatch, capsys):
    monkeypatch.chdir(repo)
    exec(compile(readme_example(), "README.md", "exec"), {})
    out = capsys.readouterr().out
    assert "child-protection" in out
    assert "UNICEF endorses child-protection" in out
    assert "UNICEF endorses current" in out
    assert "built ['" in out and (repo / "build/child-protection/child-protection.html").is_file()
    assert "refused: 'Someone Else' is not a registered signer of UNICEF" in out


def test_a_library_error_names_its_input_and_the_cli_its_flag(tmp_path):
    from accord import RepoError, open_repository

    missing = tmp_path / "nowhere"
    with pytest.raises(RepoError) as caught:
        open_repository(missing)
    assert (caught.value.inputs, caught.value.value) == ({"repo": "repo"}, missing)
    assert str(caught.value) == f"repo {missing}: no such directory"
    result = run("status", "--repo", str(missing))
    assert (result.code, result.err) == (2, f"Error: --repo {missing}: no such directory\n")


def test_importing_accord_loads_no_library_until_a_name_is_used():
    script = ("import sys, accord\nassert 'accord.api' not in sys.modules and 'yaml' not in sys.modules\n"
              "from accord import open_repository, Position\nassert Position('object').letter == 'X'\n"
              "print(sorted(name for name in accord.__all__))\n")
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout
    assert "open_repository" in out and "import_review" in out


def test_the_public_names_are_all_importable():
    import accord

    assert set(accord.__all__) == {"__version__", *accord._API, *accord._ERRORS, "Position"}
    assert all(getattr(accord, name) is not None for name in accord.__all__)
