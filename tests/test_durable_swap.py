"""One durable folder swap for exports and checkpoints (`typednn._files`), and its crash recovery."""

from __future__ import annotations

import os
import pathlib
from pathlib import Path

import numpy as np
import pytest

import typednn as tn
from typednn import _files, nn
from typednn._files import clear, recover, staging_path, swap_directory, trash_path
from typednn.export import load
from typednn.train._checkpoint_store import CheckpointStore


def _folder(path: Path, text: str) -> Path:
    path.mkdir()
    (path / "file").write_text(text)
    return path


def _yes(folder: Path) -> bool:
    return True


def _no(folder: Path) -> bool:
    return False


def _text(folder: Path) -> str:
    return (folder / "file").read_text()


def test_swap_replaces_the_folder_and_leaves_nothing_else(tmp_path: Path) -> None:
    final = tmp_path / "net"
    swap_directory(_folder(staging_path(final), "one"), final, ours=_yes)
    swap_directory(_folder(staging_path(final), "two"), final, ours=_yes)
    assert _text(final) == "two" and os.listdir(tmp_path) == ["net"]


def test_swap_fsyncs_the_parent_after_each_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    final = _folder(tmp_path / "net", "old")
    synced: list[list[str]] = []
    monkeypatch.setattr(_files, "fsync_dir", lambda folder: synced.append(sorted(os.listdir(folder))))
    swap_directory(_folder(staging_path(final), "new"), final, ours=_yes)
    # After `net -> trash`, after `staging -> net`, after deleting the trash.
    assert synced == [["net.typednn-tmp", "net.typednn-trash"], ["net", "net.typednn-trash"], ["net"]]


@pytest.mark.parametrize("forward", [False, True])
def test_a_crash_between_the_renames_is_recovered(tmp_path: Path, forward: bool) -> None:
    final = tmp_path / "net"
    _folder(trash_path(final), "old")  # step 2 done, step 3 not: `net` is missing
    _folder(staging_path(final), "new")
    assert recover(final, ours=_yes, complete=_yes if forward else None)
    assert _text(final) == ("new" if forward else "old")
    swap_directory(_folder(tmp_path / "next", "next"), final, ours=_yes)  # the next save clears the rest
    clear(staging_path(final), ours=_yes)
    assert sorted(os.listdir(tmp_path)) == ["net"]


def test_no_recovery_is_needed_before_or_after_the_renames(tmp_path: Path) -> None:
    final = _folder(tmp_path / "net", "old")
    _folder(staging_path(final), "half")  # a crash while writing the new version
    assert not recover(final, ours=_yes, complete=_yes)
    _folder(trash_path(final), "older")  # a crash while deleting the trash
    assert not recover(final, ours=_yes, complete=_yes)
    assert _text(final) == "old"


def test_recover_moves_back_only_what_is_the_caller_s_and_never_a_symlink(tmp_path: Path) -> None:
    final = tmp_path / "net"
    _folder(trash_path(final), "someone else's")
    assert not recover(final, ours=_no) and not final.exists()
    elsewhere = _folder(tmp_path / "elsewhere", "elsewhere")
    other = tmp_path / "other"
    trash_path(other).symlink_to(elsewhere)
    staging_path(other).symlink_to(elsewhere)
    assert not recover(other, ours=_yes, complete=_yes)
    assert not os.path.lexists(other) and _text(elsewhere) == "elsewhere"


def test_clear_refuses_what_is_not_the_caller_s(tmp_path: Path) -> None:
    victim = _folder(tmp_path / "victim", "years of work")
    final = tmp_path / "net"
    trash_path(final).symlink_to(victim)
    with pytest.raises(tn.TypednnError, match="holds something typednn did not write"):
        swap_directory(_folder(staging_path(final), "new"), final, ours=_yes)
    _folder(tmp_path / "mine.typednn-tmp", "thesis")
    with pytest.raises(tn.TypednnError, match="refusing to delete it"):
        clear(tmp_path / "mine.typednn-tmp", ours=_no)
    assert _text(victim) == "years of work" and _text(tmp_path / "mine.typednn-tmp") == "thesis"


def test_an_error_between_the_renames_puts_the_old_version_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    final = _folder(tmp_path / "net", "old")
    new = _folder(staging_path(final), "new")
    rename = os.rename
    calls: list[object] = []

    def second_fails(source: object, target: object) -> None:
        calls.append(source)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        rename(source, target)  # type: ignore[arg-type] # the paths os.rename takes

    monkeypatch.setattr(os, "rename", second_fails)
    with pytest.raises(OSError, match="No space"):
        swap_directory(new, final, ours=_yes)
    monkeypatch.undo()
    assert _text(final) == "old" and _text(new) == "new" and not os.path.lexists(trash_path(final))


# -- exports ---------------------------------------------------------------------------------------


def _model() -> tn.Model[tn.Tensor[int], tn.Tensor[int]]:
    x = tn.Input(4)
    return tn.Model(x, x >> nn.Dense(2))


def _save(target: Path) -> None:
    import jax  # noqa: PLC0415 - only the export tests need it

    model = _model()
    tn.save(model, model.init(jax.random.key(0)), target)


def test_an_export_uses_the_shared_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    saved = tmp_path / "mlp"
    _save(saved)
    seen: list[str] = []
    real = _files.swap_directory

    def spy(new: Path, final: Path, *, ours: _files.Check) -> None:
        seen.append(new.name)
        real(new, final, ours=ours)

    monkeypatch.setattr("typednn.export._atomic.swap_directory", spy)
    _save(saved)
    assert seen == ["mlp.typednn-tmp"] and os.listdir(tmp_path) == ["mlp"]
    # A crash between the renames of this version's swap: `load` moves the old export back.
    os.rename(saved, trash_path(saved))
    load(saved)
    assert os.listdir(tmp_path) == ["mlp"]


def test_an_export_interrupted_by_the_earlier_version_is_still_recovered(tmp_path: Path) -> None:
    saved = tmp_path / "mlp"
    _save(saved)
    # The earlier names: `.mlp.typednn-old` (the old export) and `.mlp.typednn-new` (debris).
    os.rename(saved, tmp_path / ".mlp.typednn-old")
    (tmp_path / ".mlp.typednn-new").mkdir()
    (tmp_path / ".mlp.typednn-new" / "spec.json").write_text("{")
    load(saved)
    assert sorted(os.listdir(tmp_path)) == [".mlp.typednn-new", "mlp"]
    _save(saved)  # the next save removes the earlier version's debris
    assert os.listdir(tmp_path) == ["mlp"]


# -- checkpoints -----------------------------------------------------------------------------------


def _state(value: float = 0.0) -> dict[str, np.ndarray]:
    return {"w": np.full(3, value, np.float32)}


def test_a_checkpoint_is_replaced_through_the_shared_swap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = CheckpointStore(tmp_path)
    store.save(1, _state(1), {"run": "first"})
    seen: list[str] = []
    real = _files.swap_directory

    def spy(new: pathlib.Path, final: pathlib.Path, *, ours: _files.Check) -> None:
        seen.append(new.name)
        real(new, final, ours=ours)

    monkeypatch.setattr("typednn.train._checkpoint_store.swap_directory", spy)
    store.save(1, _state(2), {"run": "second"})
    assert seen == ["step_00000001.typednn-tmp"] and os.listdir(tmp_path) == ["step_00000001"]
    assert store.restore(1, _state())[1] == {"run": "second"}


def test_a_checkpoint_cut_between_the_renames_goes_forward(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path)
    store.save(1, _state(1), {"run": "old"})
    store.save(2, _state(2), {"run": "new"})
    # The state an earlier version (same names) or this one leaves after `step_2 -> trash`.
    os.rename(tmp_path / "step_00000001", trash_path(tmp_path / "step_00000002"))
    os.rename(tmp_path / "step_00000002", staging_path(tmp_path / "step_00000002"))
    assert store.steps() == [2] and store.restore(2, _state())[1] == {"run": "new"}
    store.save(3, _state(3), {})
    assert sorted(os.listdir(tmp_path)) == ["step_00000002", "step_00000003"]
    assert store.restore(2, _state())[1] == {"run": "new"}
