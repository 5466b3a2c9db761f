"""WaveCoder as microsoft/WaveCoder publishes it (src/data/llm_gen_dis): its generator and discriminator prompts,
its parsing and sentence-count filters, its overall-verdict rule and its good and bad pools.

Differences from the published loop, all forced by running many requests at once and resuming: the pools change
between chunks of requests, not between single ones; the good example is drawn with a seeded random stream; the
bad example shown is the latest bad case whole (the published `BadCase.fewshot_sample` draws one *character* of it,
`random.sample(self.sample_list[-1], n)`, which we take for a slip).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from gitocto.synth.published import (
    WAVECODER_BAD_CASE,
    WAVECODER_BAD_HEADING,
    WAVECODER_DISCRIMINATOR,
    WAVECODER_GENERATOR,
    WAVECODER_GOOD_CASE,
    WAVECODER_GOOD_HEADING,
)

PROMPT_VERSION = "wavecoder-published"
_MESSAGE = re.compile(
    r"task_name:\s*(.*?)\s*instruction:\s*(.*?)\s*information:\s*(.*?)\s*solution:\s*(.*?)"
    r"(?=\ntask_name:|\Z)",
    re.DOTALL,
)
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")
_ANALYSIS = re.compile(r"(Analysis:[\s\S]*?)(?=Analysis:|$)")
_FEEDBACK = re.compile(r"(- step 1:.*?- reasons:.*?)\n", re.DOTALL)
_OVERALL = re.compile(r"-\s*Overall answer:\s*(.*?)\n")
NO_INPUT = "<noinput>"
EMPTY_INFORMATION = ("none", "none.", "none,", "no additional information is required", "")


def load_prompt(text: str) -> str:
    """A prompt file as main.py's `load_prompt` reads it: its lines joined with "\\n" (each keeps its own
    newline, so every line break is doubled)."""
    return "\n".join(text.splitlines(keepends=True))


def sentences(text: str) -> int:
    """main.py's sentence count: pieces between `.`, `!` or `?` followed by a space or the end, empty ones left out."""
    return len([piece for piece in _SENTENCE_END.split(text) if piece != ""])


@dataclass(frozen=True)
class Generated:
    """A generator reply that passed the filters: its four keys and the text shown to the discriminator."""

    task_name: str
    instruction: str
    information: str  # NO_INPUT when the example has none
    solution: str

    @property
    def text(self) -> str:
        """main.py's `gen_text`: each key on its own line."""
        return "".join(
            f"{k}: {v}\n"
            for k, v in (
                ("task_name", self.task_name),
                ("instruction", self.instruction),
                ("information", self.information),
                ("solution", self.solution),
            )
        )


def parse_generation(text: str) -> tuple[Generated | None, str | None]:
    """main.py's `analysis_filter` then `extract_message`: the example, or None and the filter that dropped it."""
    match = _ANALYSIS.search(text)
    if match:
        text = text[: match.start()].strip()
    found = _MESSAGE.findall(text)
    if len(found) != 1:
        return None, "no task_name/instruction/information/solution keys" if not found else "more than one example"
    task_name, instruction, information, solution = found[0]
    if sum(v.strip() in (NO_INPUT, f"{NO_INPUT}.") for v in found[0]) > 1:
        return None, "more than one <noinput>"
    if not 1 <= sentences(instruction) <= 2:
        return None, "instruction not one or two sentences"
    if information.strip().lower() in EMPTY_INFORMATION:
        information = NO_INPUT
    if information != NO_INPUT and sentences(information) > 2:
        return None, "information over two sentences"
    return Generated(task_name, instruction, information, solution), None


def parse_answer(text: str) -> tuple[str | None, bool]:
    """main.py's `extract_answer` and verdict: (the feedback from `- step 1:` to `- reasons:`, accepted). Accepted
    means the overall answer does not contain "no"; the per-requirement answers do not decide."""
    match = _FEEDBACK.search(text + "\n")
    if match is None:
        return None, False
    feedback = match.group(1)
    overall = _OVERALL.search(feedback)
    answer = overall.group(1).lower().strip() if overall else "no"
    return feedback, "no" not in answer


@dataclass
class Pools:
    """The good and bad cases: the shipped first case of each, then every judged example as main.py adds it."""

    good: list[str] = field(default_factory=lambda: [WAVECODER_GOOD_CASE])
    bad: list[str] = field(default_factory=lambda: [WAVECODER_BAD_CASE])

    def add(self, case: str, accepted: bool) -> None:
        """A judged example (with its analysis) joins the pool of its verdict."""
        (self.good if accepted else self.bad).append(case)

    def generator_prompt(self, code: str, rng: random.Random) -> str:
        """The generator message: requirements, one good and one bad case, the raw code."""
        good = WAVECODER_GOOD_HEADING + f"Good case 0:\n{rng.choice(self.good)}\n"
        bad = WAVECODER_BAD_HEADING + f"Bad case 0:\n{self.bad[-1]}\n"
        return load_prompt(WAVECODER_GENERATOR).format_map({"good_few_shot": good, "bad_few_shot": bad, "input": code})

    def discriminator_prompt(self, case: str) -> str:
        """The discriminator message: the rules, the latest bad case, the example, and `Analysis:`."""
        bad = f"Bad Case 0:\n{self.bad[-1]}\n"
        return f"\n{load_prompt(WAVECODER_DISCRIMINATOR)}\n{bad}\n\n{case}\n\nAnalysis:\n\n    "


def example_case(code: str, generated: Generated) -> str:
    """How main.py shows an example to the discriminator and stores it in a pool."""
    return f"Input: \n{code}\n\nOutput:\n{generated.text}"
