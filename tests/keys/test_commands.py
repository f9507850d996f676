"""`lookout keys set|list|delete`, run in-process against the in-memory keychain."""

from __future__ import annotations

import argparse
import io

import keyring
import pytest
from keyring.backends import fail

from lookout.keys import vault
from lookout.keys.commands import ACTIONS, add_keys_parser, mask, run_keys
from tests.keys.conftest import CANARY, MemoryKeyring

KNOWN = ("openai", "anthropic", "gemini")


def build_parser() -> argparse.ArgumentParser:
    """Mirrors how cli.build_parser wires ``keys`` in."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir")
    parser = argparse.ArgumentParser(prog="lookout", parents=[common])
    add_keys_parser(parser.add_subparsers(dest="command"), common)
    return parser


def run(*argv: str) -> int:
    return run_keys(build_parser().parse_args(["keys", *argv]), KNOWN)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def piped(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def test_every_keys_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["keys"], *(["keys", action] for action in ACTIONS)):
        with pytest.raises(SystemExit):
            build_parser().parse_args([*argv, "--help"])
        assert "examples:" in capsys.readouterr().out, argv


def test_a_key_on_the_command_line_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["keys", "set", "openai", CANARY])


def test_set_reads_piped_stdin_and_prints_only_a_mask(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], memory_keyring: MemoryKeyring
) -> None:
    piped(monkeypatch, f"  {CANARY}\n")
    assert run("set", "openai") == 0
    assert memory_keyring.entries[("lookout", "openai")] == CANARY
    out, err = capsys.readouterr()
    assert "sk-…WXYZ" in out and "MemoryKeyring" in out and "30 s" in out
    assert CANARY not in out + err and err == ""


def test_set_on_a_terminal_prompts_with_hidden_input(
    monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring
) -> None:
    prompts: list[str] = []

    def fake_getpass(prompt: str) -> str:
        prompts.append(prompt)
        return CANARY

    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("getpass.getpass", fake_getpass)
    assert run("set", "anthropic") == 0
    assert prompts == ["API key for anthropic (input hidden): "]
    assert vault.get_key("anthropic") == CANARY


@pytest.mark.parametrize(("text", "message"), [("", "no key given"), ("lookout\n", "placeholder")])
def test_set_refuses_an_empty_or_placeholder_key(
    text: str, message: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    piped(monkeypatch, text)
    assert run("set", "openai") == 2
    assert message in capsys.readouterr().err
    assert vault.list_upstreams() == []


def test_set_refuses_a_malformed_key_without_echoing_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    piped(monkeypatch, f"{CANARY} {CANARY}\n")
    assert run("set", "openai") == 2
    out, err = capsys.readouterr()
    assert "single line" in err and CANARY not in out + err


def test_set_notes_an_upstream_that_is_not_configured(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    piped(monkeypatch, CANARY)
    assert run("set", "mylab") == 0
    assert "--upstream mylab=URL" in capsys.readouterr().err


def test_list_shows_names_and_masks_only(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    vault.set_key("openai", CANARY)
    vault.set_key("groq", "gsk-short")
    assert run("list") == 0
    out = capsys.readouterr().out
    assert out.splitlines() == ["groq    …(9 characters)", "openai  sk-…WXYZ"]
    assert CANARY not in out and "gsk" not in out


def test_list_with_nothing_stored_says_how_to_add(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("list") == 0
    assert "lookout keys set" in capsys.readouterr().out


def test_list_flags_a_key_removed_outside_lookout(
    capsys: pytest.CaptureFixture[str], memory_keyring: MemoryKeyring
) -> None:
    vault.set_key("openai", CANARY)
    del memory_keyring.entries[("lookout", "openai")]
    vault.refresh()
    assert run("list") == 0
    assert "missing" in capsys.readouterr().out


def test_delete_removes_and_then_reports_nothing_to_delete(capsys: pytest.CaptureFixture[str]) -> None:
    vault.set_key("openai", CANARY)
    assert run("delete", "openai") == 0
    assert "deleted the openai key" in capsys.readouterr().out
    assert vault.get_key("openai") is None
    assert run("delete", "openai") == 1
    assert "no key stored for 'openai'" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [("set", "openai"), ("list",), ("delete", "openai")])
def test_without_a_keychain_every_action_explains_the_fix(
    argv: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    keyring.set_keyring(fail.Keyring())
    piped(monkeypatch, CANARY)
    assert run(*argv) == 1
    out, err = capsys.readouterr()
    assert "gnome-keyring" in err and "keyrings.alt" in err
    assert CANARY not in out + err


def test_a_bad_name_is_refused_before_any_prompt(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("getpass.getpass", pytest.fail)
    monkeypatch.setattr("sys.stdin", Terminal())
    assert run("set", "__index__") == 2
    assert "not a valid upstream name" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("key", "hint"),
    [(CANARY, "sk-…WXYZ"), ("sk-proj-abcdefghijklmnopqrstuvwxyz", "sk-…wxyz"), ("short", "…(5 characters)")],
)
def test_mask(key: str, hint: str) -> None:
    assert mask(key) == hint


def test_the_upstream_argument_leaves_serves_upstream_flag_alone() -> None:
    args = build_parser().parse_args(["keys", "set", "openai"])
    assert not hasattr(args, "upstream")  # cli reads args.upstream as `serve --upstream NAME=URL` values
