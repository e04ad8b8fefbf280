"""What the engine raises. Every error is an ``EngineError`` with a message a person can act on; callers map
them to their own error format (the generation service turns ``InvalidRequest`` into a 400)."""

from __future__ import annotations


class EngineError(Exception):
    """Base class of everything the engine raises on purpose."""


class InvalidRequest(EngineError, ValueError):
    """The request cannot be generated as asked: an empty prompt, a bad reference image, and so on.
    ``field`` names the request field at fault."""

    def __init__(self, message: str, *, field: str = "request") -> None:
        super().__init__(message)
        self.field = field


class UnknownConfig(EngineError, KeyError):
    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class CheckpointError(EngineError):
    """A checkpoint that cannot be read, or that holds weights of another configuration."""


class GenerationCancelled(EngineError):
    """The progress callback asked to stop; ``step`` sampling steps had run."""

    def __init__(self, step: int, total: int) -> None:
        super().__init__(f"generation cancelled after step {step} of {total}")
        self.step = step
        self.total = total
