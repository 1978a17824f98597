"""The kubeconfig files `make sandbox` hands to other tools are never seen half-written: the
state is computed more than once while those tools already read them."""

from __future__ import annotations

import stat
from pathlib import Path
from types import SimpleNamespace

from sandbox.environment import Sandbox


def _write(state_dir: Path, text: str) -> Path:
    return Sandbox.kubeconfig_path(SimpleNamespace(state_dir=state_dir),  # type: ignore[arg-type]
                                   "source", text)


def test_an_unchanged_kubeconfig_is_not_rewritten(tmp_path: Path) -> None:
    path = _write(tmp_path, "apiVersion: v1\n")
    before = path.stat()
    assert _write(tmp_path, "apiVersion: v1\n") == path
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_changed_kubeconfig_replaces_the_file_whole_and_private(tmp_path: Path) -> None:
    path = _write(tmp_path, "apiVersion: v1\n")
    first = path.stat().st_ino
    assert _write(tmp_path, "apiVersion: v1\nkind: Config\n") == path
    # Renamed into place (a new inode): a reader holds the old file or the new one, never a
    # truncated one; only the owner can read the credentials.
    assert path.stat().st_ino != first
    assert path.read_text() == "apiVersion: v1\nkind: Config\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["source.yaml"]
