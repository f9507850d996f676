"""The Settings view: each page renders, saves to config.toml, and its actions do real work."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from PySide6.QtWidgets import QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from lookout.core.clock import iso_utc, now
from lookout.core.config import load_config
from lookout.keys import vault
from lookout.store.db import database_path, open_reader
from lookout.ui.context import AppContext
from lookout.ui.settings_general import GeneralPage
from lookout.ui.settings_keys import KeysPage
from lookout.ui.settings_page import SettingsPage
from lookout.ui.settings_redaction import RedactionPage
from lookout.ui.settings_retention import RetentionPage
from lookout.ui.settings_upstreams import UpstreamsPage
from lookout.ui.views.settings import PAGES, SettingsView
from tests.keys.conftest import CANARY, MemoryKeyring
from tests.store.factories import bulk_insert, make_row
from tests.ui.conftest import MakeCtx, SavePng, Settle
from tests.ui.servers import fake_provider_in_thread

USER_CONFIG = (
    '# my settings\n[proxy]\nport = 8787  # the default\n\n[upstreams]\nmylab = "http://10.0.0.5:8000"\n'
)


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    vault.refresh()
    yield backend
    keyring.set_keyring(previous)
    vault.refresh()


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "config" / "config.toml"
    path.parent.mkdir()
    path.write_text(USER_CONFIG)
    return path


def _view(qtbot: QtBot, ctx: AppContext, config_path: Path) -> SettingsView:
    view = SettingsView(ctx)
    view.config_path = config_path
    qtbot.addWidget(view)
    view.resize(1100, 800)
    view.show()
    view.refresh()
    return view


def _show(view: SettingsView, page_class: type[SettingsPage]) -> SettingsPage:
    view.tabs.setCurrentIndex(PAGES.index(page_class))
    return view.page(page_class)


def _finish(view: SettingsView, ctx: AppContext, settle: Settle) -> None:
    assert view.worker.wait()
    settle(ctx)


def test_every_page_renders_with_demo_data(
    qtbot: QtBot, demo_ctx: AppContext, config_path: Path, settle: Settle, save_png: SavePng
) -> None:
    view = _view(qtbot, demo_ctx, config_path)
    for page_class in PAGES:
        _show(view, page_class)
        assert view.worker.wait(60_000)  # the redaction page builds Presidio once
        settle(demo_ctx)
        save_png(view, f"settings-{page_class.title.split()[0].lower()}")
    upstreams = view.page(UpstreamsPage)
    assert isinstance(upstreams, UpstreamsPage)
    assert ("mylab", "http://10.0.0.5:8000", "custom") in [
        (r.name, r.base_url, r.source) for r in upstreams.model.rows
    ]


def test_adding_and_removing_an_upstream_keeps_the_users_file(
    qtbot: QtBot, make_ctx: MakeCtx, empty_data_dir: Path, config_path: Path, settle: Settle
) -> None:
    ctx = make_ctx(empty_data_dir)
    view = _view(qtbot, ctx, config_path)
    page = _show(view, UpstreamsPage)
    assert isinstance(page, UpstreamsPage)

    page.name.setText("gpu-box")
    page.url.setText("not a url")
    page.save_upstream()
    assert "not an http(s) URL" in page.status.text()

    page.url.setText("http://10.0.0.9:8000")
    page.save_upstream()
    _finish(view, ctx, settle)
    assert load_config(config_path).upstreams == {
        "mylab": "http://10.0.0.5:8000",
        "gpu-box": "http://10.0.0.9:8000",
    }
    assert "# the default" in config_path.read_text()
    assert "gpu-box" in [r.name for r in page.model.rows]

    page.name.setText("mylab")
    page.remove_upstream()
    _finish(view, ctx, settle)
    assert "mylab" not in load_config(config_path).upstreams
    page.name.setText("openai")
    page.remove_upstream()
    assert "presets cannot be removed" in page.status.text()


def test_test_connection_makes_one_real_request_with_the_stored_key(
    qtbot: QtBot, make_ctx: MakeCtx, empty_data_dir: Path, config_path: Path, settle: Settle
) -> None:
    vault.set_key("openai", CANARY)
    ctx = make_ctx(empty_data_dir)
    view = _view(qtbot, ctx, config_path)
    page = _show(view, UpstreamsPage)
    assert isinstance(page, UpstreamsPage)
    with fake_provider_in_thread() as fake:
        page.name.setText("openai")
        page.url.setText(fake.base_url)
        page.test_selected()
        _finish(view, ctx, settle)
        assert fake.requests == [("GET", "/v1/models")]
    assert page.status.text().startswith("Connected with the stored key: HTTP 200")
    assert CANARY not in page.status.text()

    page.url.setText("http://127.0.0.1:9")  # discard port: nothing listens
    page.test_selected()
    _finish(view, ctx, settle)
    assert page.status.text().startswith("Could not connect")


def test_a_saved_key_is_stored_in_the_keychain_and_never_shown(
    qtbot: QtBot, make_ctx: MakeCtx, empty_data_dir: Path, config_path: Path, settle: Settle,
    memory_keyring: MemoryKeyring,
) -> None:  # fmt: skip
    ctx = make_ctx(empty_data_dir)
    view = _view(qtbot, ctx, config_path)
    page = _show(view, KeysPage)
    assert isinstance(page, KeysPage)
    _finish(view, ctx, settle)

    page.upstream.setCurrentText("anthropic")
    page.key.setText(CANARY)
    page.save_key()
    _finish(view, ctx, settle)

    assert memory_keyring.entries[("lookout", "anthropic")] == CANARY
    assert page.key.text() == ""
    assert page.stored.text() == "anthropic"
    shown = [w.text() for w in page.findChildren(QLabel)] + [w.text() for w in page.findChildren(QLineEdit)]
    assert not any(CANARY in text for text in shown)

    page.key.setText("has space")
    page.save_key()
    _finish(view, ctx, settle)
    assert "single line of printable ASCII" in page.status.text()
    page.delete_key()
    _finish(view, ctx, settle)
    assert ("lookout", "anthropic") not in memory_keyring.entries
    assert page.stored.text() == "no upstream yet"


def test_try_it_shows_what_the_real_redactor_would_store(
    qtbot: QtBot, make_ctx: MakeCtx, empty_data_dir: Path, config_path: Path, settle: Settle
) -> None:
    ctx = make_ctx(empty_data_dir)
    view = _view(qtbot, ctx, config_path)
    page = _show(view, RedactionPage)
    assert isinstance(page, RedactionPage)
    assert view.worker.wait(60_000)
    settle(ctx)
    assert "patterns only" in page.mode.text()
    assert "EMAIL_ADDRESS" in page.entity_boxes

    page.try_input.setPlainText("Write to jane.doe@example.com today")
    page.try_it()
    _finish(view, ctx, settle)
    assert page.try_output.toPlainText() == "Write to <EMAIL_ADDRESS> today"
    assert page.try_counts.text() == "Found: EMAIL_ADDRESS × 1"

    page.entity_boxes["EMAIL_ADDRESS"].setCurrentText("drop")
    page.try_it()
    _finish(view, ctx, settle)
    assert page.try_output.toPlainText() == ""
    assert "Nothing would be stored: operator drop on EMAIL_ADDRESS" in page.try_counts.text()

    page.save_settings()
    _finish(view, ctx, settle)
    assert load_config(config_path).redaction.operators == {"EMAIL_ADDRESS": "drop"}


def test_purge_now_shows_what_it_will_delete_before_deleting(
    qtbot: QtBot, make_ctx: MakeCtx, seeded_data_dir: Path, config_path: Path, settle: Settle
) -> None:
    rows = [make_row(id=f"old{i}", started_at=iso_utc(now() - 40 * 86400 - i)) for i in range(3)]
    rows += [make_row(id="new", started_at=iso_utc(now() - 60))]
    bulk_insert(str(database_path(seeded_data_dir)), iter(rows))
    ctx = make_ctx(seeded_data_dir)
    view = _view(qtbot, ctx, config_path)
    page = _show(view, RetentionPage)
    assert isinstance(page, RetentionPage)
    assert page.calls_days.value() == 30

    page.preview_purge()
    settle(ctx)
    assert page.preview.text().startswith("Would delete: 3 calls older than 30 days")
    assert _call_ids(seeded_data_dir) == ["new", "old0", "old1", "old2"]  # a preview deletes nothing

    page.purge_now()
    _finish(view, ctx, settle)
    assert page.preview.text().startswith("Deleted: 3 calls older than 30 days")
    assert _call_ids(seeded_data_dir) == ["new"]

    page.calls_days.setValue(14)
    page.save_settings()
    _finish(view, ctx, settle)
    assert load_config(config_path).retention.calls_max_age_s == 14 * 86400


def test_port_and_launch_at_login(
    qtbot: QtBot, make_ctx: MakeCtx, empty_data_dir: Path, config_path: Path, settle: Settle,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    ctx = make_ctx(empty_data_dir)
    view = _view(qtbot, ctx, config_path)
    page = _show(view, GeneralPage)
    assert isinstance(page, GeneralPage)

    page.port.setValue(9123)
    page.save({("proxy", "port"): page.port.value()})
    _finish(view, ctx, settle)
    assert load_config(config_path).proxy.port == 9123

    page.launch_at_login.setChecked(True)
    entry = tmp_path / "xdg" / "autostart" / "lookout.desktop"
    assert entry.is_file()
    assert f"--data-dir {empty_data_dir}" in entry.read_text()
    page.launch_at_login.setChecked(False)
    assert not entry.exists()


def _call_ids(data_dir: Path) -> list[str]:
    db = open_reader(data_dir)
    try:
        return sorted(row["id"] for row in db.query("SELECT id FROM calls"))
    finally:
        db.close()
