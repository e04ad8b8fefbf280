"""Captions. They describe what the simulation did (landings, the real bounce count, slides and stops,
collisions, walls, jumps over things, pushes, passing behind occluders, pans), name every object by colour
and shape (shape words in ``SHAPE_WORDS``) and count repeated shapes ("two balls and a box: ...").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from generation.engine.world.palette import SHAPE_WORDS, SHAPES
from generation.engine.world.physics import _Trace
from generation.engine.world.scene import Occluder, Scene

_NUMBER_WORDS = dict(
    enumerate(("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"), 1)
)
_PLURAL = {"ball": "balls", "box": "boxes", "block": "blocks", "square": "squares", "triangle": "triangles"}
_OCCLUDER_WORDS = {"pillar": ("pillar", "column", "post"), "wall": ("wall", "low wall", "barrier")}


def _times(count: int, rng: np.random.Generator) -> str:
    if count == 1:
        return str(rng.choice(["once", "one time"]))
    if count == 2:
        return str(rng.choice(["twice", "two times"]))
    return f"{_NUMBER_WORDS.get(count, str(count))} times"


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


class _Captioner:
    """Describes what a simulated clip shows, from the simulation's events and the clip's visibility."""

    def __init__(
        self,
        scene: Scene,
        trace: _Trace,
        occluded: np.ndarray,
        in_view: np.ndarray,
        rng: np.random.Generator,
    ) -> None:
        self.scene, self.trace, self.occluded, self.in_view, self.rng = scene, trace, occluded, in_view, rng
        self.bodies = scene.bodies
        self.introduced: set[int] = set()
        self.mentioned_pairs: set[tuple[int, int]] = set()
        self.occluder_words: dict[int, str] = {}  # one noun per occluder per caption
        self.occlusions: dict[int, tuple[str, str] | None] = {}
        self.shape_word = {shape: self.pick(SHAPE_WORDS[shape]) for shape in SHAPES}
        self.grey = "gray" if rng.random() < 0.1 else "grey"

    def pick(self, options: Sequence[str]) -> str:
        return str(options[int(self.rng.integers(len(options)))])

    def noun(self, i: int) -> str:
        body = self.bodies[i]
        if body.shape == "character":
            return str(body.handle)
        article = "the" if i in self.introduced else "a"
        self.introduced.add(i)
        return f"{article} {body.colour} {self.shape_word[body.shape]}"

    def direction(self, value: float) -> str:
        return "right" if value > 0 else "left"

    def occlusion(self, i: int) -> str | None:
        state = self.occlusion_state(i)
        if state is None:
            return None
        kind, thing = state
        if kind == "emerges":
            return self.pick([f"emerging from behind {thing}", f"coming out from behind {thing}"])
        if kind == "disappears":
            return self.pick([f"disappearing behind {thing}", f"ending up hidden behind {thing}"])
        if kind == "passes":
            return self.pick([f"passing behind {thing}", f"going behind {thing} and coming back out"])
        return f"partly hidden behind {thing}"

    def occlusion_state(self, i: int) -> tuple[str, str] | None:
        """How an occluder hides body ``i`` (emerges, disappears, passes or partly) and which one, or None."""
        if i not in self.occlusions:
            self.occlusions[i] = self._occlusion_state(i)
        return self.occlusions[i]

    def _occlusion_state(self, i: int) -> tuple[str, str] | None:
        occ = self.occluded[:, i]
        if not occ.any() or not self.scene.occluders:
            return None
        first = int(np.argmax(occ))
        x, y = self.trace.pos[first, i]
        body = self.bodies[i]

        def overlap(o: Occluder) -> float:
            ox = min(x + body.half_w, o.x1) - max(x - body.half_w, o.x0)
            oy = min(y + body.half_h, o.y1) - max(y - body.half_h, o.y0)
            return max(ox, 0.0) * max(oy, 0.0)

        k = max(range(len(self.scene.occluders)), key=lambda m: overlap(self.scene.occluders[m]))
        if k in self.occluder_words:
            thing = f"the {self.grey} {self.occluder_words[k]}"
        else:
            self.occluder_words[k] = self.pick(_OCCLUDER_WORDS[self.scene.occluders[k].kind])
            thing = f"a {self.grey} {self.occluder_words[k]}"
        starts, ends = bool(occ[0]), bool(occ[-1])
        if starts and not ends:
            return "emerges", thing
        if ends and not starts:
            return "disappears", thing
        return ("partly" if starts else "passes"), thing

    def bumps(self, i: int) -> str | None:
        for (a, b), _ in sorted(self.trace.hits.items(), key=lambda item: item[1]):
            if i not in (a, b) or (a, b) in self.mentioned_pairs:
                continue
            other = b if a == i else a
            if self.bodies[other].shape == "character":
                continue
            self.mentioned_pairs.add((a, b))
            return self.pick(["bumps into {}", "hits {}", "knocks into {}"]).format(self.noun(other))
        return None

    def landing(self, i: int, tossed: bool) -> list[str]:
        body, trace = self.bodies[i], self.trace
        target, bounces = trace.landed_on[i], trace.bounces[i]
        if target is None:
            return [self.pick(["falls", "drops from above", "is falling"])] if not tossed else []
        parts: list[str] = []
        if target >= 0:
            parts.append(
                self.pick(["lands on {}", "drops onto {}", "lands on top of {}"]).format(self.noun(target))
            )
            self.mentioned_pairs.add((min(i, target), max(i, target)))
        elif not tossed:
            parts.append(
                self.pick(
                    [
                        "drops onto the floor",
                        "falls to the floor",
                        "drops to the ground",
                        "falls onto the floor",
                    ]
                )
            )
        if bounces:
            parts.append(self.pick(["bounces {}", "bounces {}"]).format(_times(bounces, self.rng)))
        elif target < 0:
            options = ["lands", "lands without bouncing"] if tossed else ["stays there", "does not bounce"]
            if body.shape != "ball":
                options.append("lands with a thud" if tossed else "lands flat")
            parts.append(self.pick(options))
        return parts

    def object_clause(self, i: int) -> str:
        body, trace = self.bodies[i], self.trace
        subject = self.noun(i)
        start_air = body.y + body.half_h < self.scene.floor - 1e-6
        dx = float(trace.pos[-1, i, 0] - trace.pos[0, i, 0])
        parts: list[str] = []
        if start_air:
            tossed = abs(body.vx) > 0.05
            if tossed:
                way = self.direction(body.vx)
                parts.append(self.pick([f"is tossed {way}", f"flies {way}", f"is thrown to the {way}"]))
            parts += self.landing(i, tossed)
        elif abs(body.vx) > 0.02 and abs(dx) > 0.01:
            way = self.direction(body.vx)
            if body.shape == "ball":
                parts.append(
                    self.pick([f"rolls {way}", f"rolls to the {way}", f"rolls {way} along the floor"])
                )
            else:
                parts.append(
                    self.pick([f"slides {way}", f"slides to the {way}", f"glides {way} across the floor"])
                )
        elif abs(dx) > 0.03:
            pusher = trace.pushes.get(i)
            way = self.direction(dx)
            if pusher is not None:
                parts.append(f"is pushed {way} by {self.noun(pusher)}")
            else:
                parts.append(self.pick([f"is pushed {way}", f"gets knocked {way}", f"is bumped {way}"]))
        else:
            parts.append(
                self.pick(
                    ["sits on the floor", "rests on the ground", "stays still", "sits still", "stands still"]
                )
            )
        bump = self.bumps(i)
        if bump and not (start_air and trace.landed_on[i] is not None and trace.landed_on[i] != -1):
            parts.append(bump)
        if (start_air or abs(body.vx) > 0.02) and trace.walls[i]:
            parts.append(self.pick(["hits the wall", "bounces off the wall"]))
        elif not start_air and abs(body.vx) > 0.02 and trace.stopped[i]:
            parts.append(self.pick(["stops", "comes to a stop", "slows to a stop"]))
        state = self.occlusion_state(i)
        if (
            state
            and state[0] == "disappears"
            and start_air
            and abs(body.vx) <= 0.05
            and trace.landed_on[i] == -1
        ):
            # "a yellow triangle falls behind a grey wall (and bounces twice)"
            parts[0] = self.pick(["falls behind {}", "drops behind {}"]).format(state[1])
            return f"{subject} {_join(parts)}"
        clause = f"{subject} {_join(parts)}"
        hidden = self.occlusion(i)
        return f"{clause}, {hidden}" if hidden else clause

    def character_clause(self, i: int) -> str:
        body, trace = self.bodies[i], self.trace
        subject = self.noun(i)
        parts: list[str] = []
        if body.walk_speed:
            way = self.direction(body.walk_speed)
            parts.append(self.pick([f"walks {way}", f"walks to the {way}", f"strolls {way}"]))
        jumps = trace.jumps[i]
        over = [j for j in trace.jumped_over[i] if self.bodies[j].shape != "character"]
        if over:
            parts.append(
                self.pick(["jumps over {}", "hops over {}", "leaps over {}"]).format(self.noun(over[0]))
            )
        elif jumps:
            if jumps == 1:
                parts.append(self.pick(["jumps", "jumps up", "jumps once"]))
            else:
                parts.append(
                    self.pick([f"jumps {_times(jumps, self.rng)}", f"hops {_times(jumps, self.rng)}"])
                )
        pushed = sorted(j for j, c in trace.pushes.items() if c == i)
        if pushed:
            parts.append(self.pick(["pushes {}", "bumps into {}"]).format(self.noun(pushed[0])))
        if body.walk_speed and trace.stopped[i]:
            parts.append("stops at the wall" if trace.walls[i] else self.pick(["stops", "then stops"]))
        if not parts:
            parts.append(self.pick(["stands still", "stands on the floor", "waits"]))
        clause = f"{subject} {_join(parts)}"
        hidden = self.occlusion(i)
        return f"{clause}, {hidden}" if hidden else clause

    def caption(self) -> str:
        """The clip's caption: every entity's clause, joined, with the camera's pan and the cast's count."""
        chars = [i for i, b in enumerate(self.bodies) if b.shape == "character"]
        objects = [i for i, b in enumerate(self.bodies) if b.shape != "character"]
        counts: dict[str, int] = {}
        for i in objects:
            counts[self.bodies[i].shape] = counts.get(self.bodies[i].shape, 0) + 1
        body = self.joined(self.clauses(chars, objects))
        if self.scene.camera_speed:
            body = self.with_camera(body, chars)
        if counts and (any(c > 1 for c in counts.values()) or self.rng.random() < 0.25):
            body = self.with_cast(body, counts)
        return body

    def clauses(self, chars: list[int], objects: list[int]) -> list[str]:
        """The characters' clauses, the moving objects' (shuffled), then the still ones' not yet named."""
        clauses = [self.character_clause(i) for i in chars]
        moving = [i for i in objects if self.moved(i)]
        still = [i for i in objects if i not in moving]
        self.rng.shuffle(moving)
        for i in moving + still:
            pushed_only = self.trace.pushes.get(i) in chars and abs(self.bodies[i].vx) < 0.02
            if i in self.introduced and (i in still or pushed_only) and not self.occluded[:, i].any():
                continue  # already named (jumped over, landed on, pushed) and nothing else happens to it
            clauses.append(self.object_clause(i))
        if not clauses:
            clauses.append(self.pick(["an empty grey room", "nothing moves in an empty room"]))
        return clauses

    def joined(self, clauses: list[str]) -> str:
        """The clauses in one sentence, linked by a random cycle of links."""
        links = [", while ", " as ", ", and ", "; ", ". "]
        self.rng.shuffle(links)
        body = clauses[0]
        for k, clause in enumerate(clauses[1:]):
            body += links[k % len(links)] + clause
        return body

    def with_camera(self, body: str, chars: list[int]) -> str:
        """``body`` with what the camera does (pans, or follows the character) before or after it."""
        way = self.direction(self.scene.camera_speed)
        if self.scene.follow and chars:
            camera = f"the camera follows {self.bodies[chars[0]].handle} to the {way}"
        else:
            camera = self.pick(
                [f"the camera pans {way}", f"the view pans to the {way}", f"the camera slowly pans {way}"]
            )
        if self.rng.random() < 0.5:
            return camera + self.pick([" as ", "; ", ", while "]) + body
        return body + self.pick([", while ", " as ", "; "]) + camera

    def with_cast(self, body: str, counts: dict[str, int]) -> str:
        """``body`` after an introduction that counts the objects by shape ("two balls and a box: ...")."""
        items = []
        for shape in SHAPES:
            c = counts.get(shape, 0)
            word = self.shape_word[shape]
            if c == 1:
                items.append(f"{'an' if word[0] in 'aeiou' else 'a'} {word}")
            elif c > 1:
                items.append(f"{_NUMBER_WORDS[c]} {_PLURAL[word]}")
        self.rng.shuffle(items)
        intro = _join(items)
        there = "there are" if items[0].split()[0] in _NUMBER_WORDS.values() else "there is"
        templates = ["{}: ", "{}. ", there + " {}: ", "a scene with {}: ", "in a grey room, {}: "]
        return self.pick(templates).format(intro) + body

    def moved(self, i: int) -> bool:
        body = self.bodies[i]
        travelled = np.abs(self.trace.pos[:, i] - self.trace.pos[0, i]).max()
        return bool(body.y + body.half_h < self.scene.floor - 1e-6 or abs(body.vx) > 0.02 or travelled > 0.03)
