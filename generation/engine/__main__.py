"""``python -m generation.engine --prompt "..." --out clip.mp4``: one clip from the command line.

Loads the shipped checkpoint of ``--config`` (or ``--checkpoint``), generates, and writes the MP4 at display
size and a poster next to it. Runs on CPU or CUDA, without Django.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from generation.engine import video as video_io
from generation.engine.config import ASPECT_RATIOS, CONFIGS, DEFAULT_CONFIG
from generation.engine.errors import EngineError
from generation.engine.pipeline import Engine, Progress
from generation.engine.requests import DEFAULT_REMIX_STRENGTH, Beat, CameoReference, GenerationRequest


def _beat(text: str) -> Beat:
    at, sep, prompt = text.partition(":")
    try:
        if not sep:
            raise ValueError
        return Beat(at_seconds=float(at), prompt=prompt)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a beat is SECONDS:PROMPT, got {text!r}") from None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m generation.engine", description=__doc__.splitlines()[0])
    parser.add_argument("--prompt", required=True)
    parser.add_argument("--out", required=True, type=Path, help="the MP4 to write")
    parser.add_argument("--poster", type=Path, help="the poster image (default: next to the MP4, .jpg)")
    parser.add_argument(
        "--config", default=None, help=f"one of {', '.join(CONFIGS)} (default: {DEFAULT_CONFIG})"
    )
    parser.add_argument("--checkpoint", type=Path, help="a checkpoint file (default: the shipped one)")
    parser.add_argument("--duration", type=int, default=4, help="seconds")
    parser.add_argument("--aspect", default="square", choices=ASPECT_RATIOS)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--steps", type=int)
    parser.add_argument("--guidance", type=float, help="text guidance scale")
    parser.add_argument(
        "--cameo", action="append", default=[], metavar="IMAGE", help="a cameo reference image (up to 2)"
    )
    parser.add_argument(
        "--cameo-preferences",
        action="append",
        default=[],
        metavar="TEXT",
        help="the matching cameo owner's preferences, in the same order",
    )
    parser.add_argument(
        "--beat", action="append", default=[], type=_beat, metavar="SECONDS:PROMPT", help="a storyboard beat"
    )
    parser.add_argument("--remix-of", type=Path, metavar="VIDEO", help="remix this clip")
    parser.add_argument(
        "--strength",
        type=float,
        default=DEFAULT_REMIX_STRENGTH,
        help="remix strength, 0 (keep) to 1 (ignore)",
    )
    parser.add_argument("--device", help="cpu or cuda (default: cuda when there is one)")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        started = time.perf_counter()
        engine = Engine.load(args.checkpoint, config=args.config, device=args.device, compile=args.compile)
        if not engine.trained:
            print(
                f"warning: no trained checkpoint ships for {engine.config.name!r}; the output is noise",
                file=sys.stderr,
            )
        loaded = time.perf_counter()
        cameos = []
        for index, path in enumerate(args.cameo):
            image = np.asarray(Image.open(path).convert("RGB"))
            prefs = args.cameo_preferences[index] if index < len(args.cameo_preferences) else ""
            cameos.append(CameoReference(image=image, preferences=prefs))
        remix = video_io.read_video(args.remix_of)[0] if args.remix_of else None
        request = GenerationRequest(
            prompt=args.prompt,
            duration_seconds=args.duration,
            aspect_ratio=args.aspect,
            seed=args.seed,
            steps=args.steps,
            guidance_text=args.guidance,
            cameos=cameos,
            storyboard=args.beat,
            remix_source=remix,
            remix_strength=args.strength,
        )

        def progress(p: Progress) -> None:
            print(f"\rstep {p.step}/{p.total}", end="", file=sys.stderr, flush=True)

        clip = engine.generate(request, callback=progress)
        print(file=sys.stderr)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(clip.mp4())
        poster = args.poster or args.out.with_suffix(".jpg")
        poster.write_bytes(video_io.image_bytes(clip.poster()))
    except (EngineError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    done = time.perf_counter()
    height, width = clip.config.display_size(clip.aspect_ratio)
    print(
        f"{args.out}: {len(clip.frames)} frames at {clip.fps} fps, {width}x{height}, seed {clip.seed}, "
        f"config {clip.config.name}, {clip.steps} steps; load {loaded - started:.2f} s, "
        f"sample {clip.timings['sample_s']:.2f} s, total {done - started:.2f} s; poster {poster}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
