"""``python -m generation.engine``: the engine alone, without Django."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from generation.engine import save_checkpoint
from generation.engine.__main__ import main
from generation.engine.video import read_video
from tests.generation.conftest import WEB_STACK, face, perturbed_model, run_leaving_out
from toolkit.mp4 import encode_mp4


def test_the_engine_imports_nothing_from_django():
    run_leaving_out("import generation.engine, generation.engine.__main__", WEB_STACK)


def test_the_command_writes_a_playable_mp4_and_a_poster(tmp_path, capsys):
    checkpoint = save_checkpoint(perturbed_model(), tmp_path / "tiny.safetensors")
    cameo = tmp_path / "me.png"
    Image.fromarray(face(3)).save(cameo)
    out = tmp_path / "clips" / "clip.mp4"
    arguments = [
        "--prompt", "a red ball bounces", "--checkpoint", str(checkpoint), "--seed", "4",
        "--aspect", "portrait", "--duration", "2", "--steps", "2",
        "--cameo", str(cameo), "--cameo-preferences", "smiling",
        "--beat", "0:a ball rolls", "--beat", "1:it jumps",
    ]  # fmt: skip
    code = main([*arguments, "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    frames, fps = read_video(out.read_bytes())
    assert frames.shape == (8, 160, 96, 3)  # 2 s at 4 fps, portrait 40x24 shown at 4x
    assert fps == 4
    poster = np.asarray(Image.open(out.with_suffix(".jpg")))
    assert poster.shape == (160, 96, 3)
    assert "seed 4" in capsys.readouterr().out

    # The same seed gives the same file.
    again = tmp_path / "again.mp4"
    assert main([*arguments, "--out", str(again)]) == 0
    assert again.read_bytes() == out.read_bytes()


def test_the_same_frames_always_encode_to_the_same_bytes():
    # x264's macroblock tree read memory it never wrote: with the heap stirred between encodes (as a worker's
    # sampling does), twelve encodes of one clip gave up to nine different files.
    rows, cols = np.mgrid[:160, :96]
    frames = np.stack(
        [
            np.stack([(cols * 2 + t * 5) % 256, (rows + t * 3) % 256, (rows * cols + t * 7) % 256], -1)
            for t in range(8)
        ]
    ).astype(np.uint8)
    rng = np.random.default_rng(0)

    def stirred(encode: Callable[[], bytes]) -> bytes:
        litter = [torch.randn(int(rng.integers(1000, 6000)), 37) @ torch.randn(37, 50) for _ in range(30)]
        litter += [rng.bytes(int(rng.integers(100, 20000))) for _ in range(50)]
        del litter
        return encode()

    # With the engine command line's settings and with the worker's.
    assert len({stirred(lambda: encode_mp4(frames, 4, crf=20, preset="medium")) for _ in range(12)}) == 1
    assert len({stirred(lambda: encode_mp4(frames, 4)) for _ in range(12)}) == 1


def test_bad_input_exits_with_a_message(tmp_path, capsys):
    out = str(tmp_path / "x.mp4")
    assert main(["--prompt", " ", "--out", out, "--config", "tiny"]) == 2
    assert "prompt is empty" in capsys.readouterr().err
    assert main(["--prompt", "a ball", "--out", out, "--config", "huge"]) == 2
    assert "unknown engine config 'huge'" in capsys.readouterr().err
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"not a checkpoint")
    assert main(["--prompt", "a ball", "--out", out, "--checkpoint", str(broken)]) == 2
    assert "not a readable safetensors checkpoint" in capsys.readouterr().err
    not_image = tmp_path / "notes.txt"
    not_image.write_text("hello")
    assert main(["--prompt", "a ball", "--out", out, "--config", "tiny", "--cameo", str(not_image)]) == 2
    assert "notes.txt" in capsys.readouterr().err
    assert not Path(out).exists()


def test_the_settings_default_engine_is_the_engines_own_default(monkeypatch):
    import importlib

    from generation.engine.config import DEFAULT_CONFIG
    from sora_social import settings as settings_module

    monkeypatch.delenv("GENERATION_ENGINE_CONFIG", raising=False)
    fresh = importlib.reload(settings_module)
    try:
        assert fresh.GENERATION_ENGINE_CONFIG == DEFAULT_CONFIG
    finally:
        importlib.reload(settings_module)
