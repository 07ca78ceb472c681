"""An uploaded article (`Service.add_article`, the chat's upload) is read as a rebuild would read it:
a file the rebuild would skip is refused at once with its reason, and nothing is stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.config import Settings
from qa.errors import UsageError
from qa.service import Service
from tests.unit.ingest.test_pdf import make_pdf

LOGIN = (
    "<html><head><title>Login</title></head><body><nav><a href='/'>Home</a> <a href='/s'>Sports</a></nav>"
    "<form><input name=u><input type=password></form></body></html>"
)
STORY = ["Harbour repairs finished", "The harbour wall was rebuilt over the winter at a cost of 2 million crowns."]


@pytest.fixture
def service(tmp_path: Path) -> Service:
    return Service(Settings(seeds_dir=tmp_path / "seeds", index_dir=tmp_path / "index"))


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("scan.pdf", make_pdf([[], []]), "no text layer"),
        ("broken.pdf", b"%PDF-1.4\n" + b"\x00garbage" * 50, "cannot be read|no text layer"),
        ("login.html", LOGIN.encode(), "no article text"),
        ("junk.txt", bytes(range(256)) * 40, "binary"),
        ("menu.txt", b"Home\nNews\nSport\nLog in\n", "no article text"),
        ("blank.pdf", make_pdf([]), "has no pages"),
    ],
    ids=["scanned PDF", "broken PDF", "page without an article", "binary text", "text without an article", "no pages"],
)
def test_a_file_the_rebuild_would_skip_is_refused_and_not_stored(
    service: Service, tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    with pytest.raises(UsageError, match=reason) as err:
        service.add_article(name, content)
    message = str(err.value)
    assert message.startswith(f"{name}: ") and "\n" not in message and message.endswith(".")
    assert not (tmp_path / "seeds").exists() or not any((tmp_path / "seeds").iterdir()), "a refused file was stored"


def test_a_readable_pdf_is_stored(service: Service, tmp_path: Path) -> None:
    assert service.add_article("harbour.pdf", make_pdf([STORY])) == "harbour.pdf"
    assert (tmp_path / "seeds" / "harbour.pdf").read_bytes()[:5] == b"%PDF-"
