"""The PDF renderer never reaches a file or the network: only our assets and data: URLs."""

from __future__ import annotations

import base64
import datetime as dt
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import select

from bundler import pdf, storage
from bundler.enums import AnswerStatus, WishState
from bundler.models import Package, PackageVersion, Pilot, Wish
from tests.package_helpers import answer, build, make_story

HOSTNAME = Path("/etc/hostname")


class Canary:
    """A local HTTP server that must never be asked anything."""

    def __init__(self) -> None:
        hits: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                if self.path.startswith("/redirect"):
                    self.send_response(302)
                    self.send_header("Location", "file:///etc/hostname")
                    self.end_headers()
                    return
                body = b"canary-secret-body"
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.hits = hits
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def canary() -> Iterator[Canary]:
    server = Canary()
    yield server
    server.close()


def payloads(canary: Canary) -> list[str]:
    """Everything a user might type to make the renderer fetch something."""
    return [
        '<img src="file:///etc/hostname">',
        f'<img src="{canary.url}/img">',
        '<link rel="attachment" href="file:///etc/hostname">',
        f'<link rel="attachment" href="{canary.url}/attachment">',
        f'<a rel="attachment" href="{canary.url}/a-attachment">x</a>',
        f'<link rel="stylesheet" href="{canary.url}/style.css">',
        f"<style>@import url({canary.url}/import.css);"
        " body { background: url(file:///etc/hostname) }</style>",
        f'<div style="background-image: url({canary.url}/bg)">x</div>',
        f"![plaatje]({canary.url}/markdown-image)",
        f"[link](file:///etc/hostname) <{canary.url}/redirect>",
        f'<img src="{canary.url}/redirect">',
    ]


def _embedded(data: bytes) -> dict[str, list[bytes]]:
    return dict(pypdf.PdfReader(io.BytesIO(data)).attachments)


def _text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(page.extract_text() for page in reader.pages)


def test_the_fetcher_serves_only_our_assets_and_data_urls(canary):
    fetcher = pdf.make_fetcher()
    css = fetcher.fetch(pdf.ASSET_PREFIX + "package.css")
    assert b"@page" in css.read()
    pixel = base64.b64encode(b"GIF89a").decode()
    assert fetcher.fetch(f"data:image/gif;base64,{pixel}").read() == b"GIF89a"
    for url in [
        "file:///etc/hostname",
        f"{canary.url}/fetch",
        f"{canary.url}/redirect",
        "http://localhost/",
        "https://example.org/x.png",
        "ftp://127.0.0.1/x",
        pdf.ASSET_PREFIX + "../../etc/hostname",
        pdf.ASSET_PREFIX + "%2e%2e/%2e%2e/etc/hostname",
        pdf.ASSET_PREFIX + "package.html",  # a template, not an asset
        pdf.ASSET_PREFIX.replace("/pdf/", "/") + "package.css",
        "https://assets.bundler.invalid.evil.example/pdf/package.css",
    ]:
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)
    assert canary.hits == []


@pytest.mark.pdf
def test_hostile_html_given_straight_to_the_renderer_reaches_nothing(canary):
    # Even if markup got through (it cannot: templates autoescape), nothing is fetched.
    body = "".join(p for p in payloads(canary) if p.startswith("<"))
    html = f"<!doctype html><html lang='nl'><head><title>t</title>{body}</head>"
    html += f"<body>{body}</body></html>"
    result = pdf.write_pdf(html)
    assert canary.hits == []
    assert _embedded(result.pdf) == {}
    if HOSTNAME.exists():
        assert HOSTNAME.read_bytes().strip() not in result.pdf


@pytest.mark.pdf
def test_user_entered_fields_never_reach_a_file_or_the_network_and_show_as_text(
    app, db, canary, make_pilot, make_wish
):
    story = make_story(make_pilot, make_wish, app)
    evil = payloads(canary)
    wish = db.get(Wish, story.death.id)
    wish.title = "Titel " + evil[0]
    wish.problem = "\n".join(evil)
    wish.proposed_change = evil[2] + evil[3]
    wish.benefit_who = evil[4]
    wish.benefit_savings = evil[5]
    wish.urgency_reason = evil[6]
    wish.supports[0].note = evil[7]
    db.get(Pilot, story.raising.id).description = evil[1]
    db.commit()
    build(app, "JenV")
    answer(
        app,
        story.death.id,
        "JenV",
        AnswerStatus.IN_LEGISLATION,
        link=f"https://zoek.officielebekendmakingen.nl/{evil[1]}",
        reasons="\n".join(evil),
    )
    package = db.scalar(select(Package))
    package.cover_letter = "\n\n".join(evil)
    db.commit()
    version = build(app, "JenV")  # shows the answer and the letter
    assert version is not None

    assert canary.hits == []
    data = storage.get(db, db.get(PackageVersion, version.id).storage_key)
    assert list(_embedded(data)) == [f"{package.number}-v2.json"]  # only the twin
    if HOSTNAME.exists():
        assert HOSTNAME.read_bytes().strip() not in data
    text = " ".join(_text(data).split())
    assert 'Titel <img src="file:///etc/hostname">' in text  # shown as text
    assert "canary-secret-body" not in text
    for payload in evil[:5]:
        assert " ".join(payload.split()) in text
    db.expire_all()
    assert db.get(Wish, story.death.id).state is WishState.OFFERED


def test_render_isolated_runs_in_a_child_with_bounds(tmp_path):
    html = "<!doctype html><html lang='nl'><head><title>t</title></head>"
    html += "<body><h1>Hallo</h1></body></html>"
    result = pdf.render_isolated(html, created=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert result.pages == 1
    assert "Hallo" in _text(result.pdf)
    with pytest.raises(pdf.RenderError, match="geheugen"):
        pdf.render_isolated(html, memory_mb=40)
    with pytest.raises(pdf.RenderError, match="langer dan"):
        pdf.render_isolated(html, timeout=0.01)
