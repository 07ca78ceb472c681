"""What an installed (not editable) qa needs besides its Python files is in the wheel: every other
file of the package is listed in pyproject.toml's package-data (the line model was not, so a wheel
install failed at its first article with FileNotFoundError)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_every_file_of_the_package_that_is_not_python_is_package_data() -> None:
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = config["tool"]["setuptools"]["package-data"]
    for package in ("qa", "ui"):
        base = ROOT / package
        data = sorted(
            p.relative_to(base).as_posix()
            for p in base.rglob("*")
            if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts
        )
        assert data == sorted(listed.get(package, [])), f"{package}: add these to package-data: {data}"


def test_the_version_is_written_once(capsys: pytest.CaptureFixture[str]) -> None:
    import qa
    from qa.cli import build_parser

    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--version"])
    assert capsys.readouterr().out.strip() == f"qa {qa.__version__}"
