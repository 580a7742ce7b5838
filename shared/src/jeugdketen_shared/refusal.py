"""The root of every refusal: input that can never be accepted, whatever is retried.

A refusal is data, not a crash: its `reason` is machine-readable and lands on the rejected
topic (and in an HTTP problem response); retrying the same input gives the same refusal.
Infrastructure failures are not refusals: they propagate, and the message is redelivered.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    location: str
    reason: str
    message: str


class Refusal(Exception):
    """Base for refusals; subclasses set `reason` and describe themselves in the docstring."""

    reason: str = "refused"

    def __init__(self, detail: str | None = None, problems: tuple[FieldProblem, ...] = ()) -> None:
        self.detail = detail or (self.__doc__ or self.reason).strip()
        self.problems = problems
        super().__init__(self.detail)
