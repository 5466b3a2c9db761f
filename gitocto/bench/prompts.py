"""Prompts for HumanEvalFix, HumanEvalExplain and HumanEvalSynthesize in the paper's formats (bigcode harness)."""

from __future__ import annotations

from dataclasses import dataclass

from gitocto.backends.base import Message
from gitocto.bench.data import LANGUAGE_NAMES, Problem
from gitocto.bench.options import PROMPT_FORMATS
from gitocto.errors import OctoError

# Generative tasks: their answers are programs. "explain-describe" is explain's first stage (text, not run).
TASKS = ("fix", "fixdocs", "explain", "synthesize")
DESCRIBE = "explain-describe"


@dataclass(frozen=True)
class Prompt:
    """What the model sees: `text` (completions) or `instruction` + `context` (chat); `base` opens the answer."""

    text: str
    base: str
    instruction: str
    context: str | None


def parse_tasks(spec: str) -> list[str]:
    """`all` (fix, explain, synthesize) or a comma list of tasks, validated."""
    if spec.strip() == "all":
        return ["fix", "explain", "synthesize"]
    tasks = [s.strip() for s in spec.split(",") if s.strip()]
    bad = [t for t in tasks if t not in TASKS]
    if bad or not tasks:
        raise OctoError(f"unknown task {', '.join(bad) or spec!r}; choose from {', '.join(TASKS)} or all")
    return tasks


def prompt_base(problem: Problem, with_docs: bool) -> str:
    """The answer's start: the full prompt (with docstring) or just the declaration."""
    if with_docs:
        return problem.prompt  # Rust's prompt already starts with fn main(){}
    if problem.lang == "rust":
        return "fn main(){}\n" + problem.declaration
    return problem.declaration


def format_prompt(fmt: str, base: str, instruction: str, context: str | None) -> str:
    """Lay out instruction, context and answer start in one of the completion formats."""
    if context is None:
        inp = instruction
    elif fmt in ("continue", "instruct"):
        inp = context + "\n" + instruction
    else:
        inp = instruction + "\n" + context
    if fmt == "continue":
        if context is not None:
            raise OctoError(
                "the continue prompt format fits only synthesize; use octocoder or instruct for fix and explain"
            )
        text = base
    elif fmt == "instruct":
        text = inp + "\n\n" + base
    elif fmt in ("octocoder", "chat"):
        text = f"Question: {inp}\n\nAnswer:\n{base}"
    else:
        raise OctoError(f"unknown prompt format {fmt!r}; choose from {', '.join(PROMPT_FORMATS)}")
    # Stripped so the model's first token joins the last line as it would in running code (the paper does this).
    return text.strip()


def build_prompt(problem: Problem, task: str, fmt: str, description: str | None = None) -> Prompt:
    """The prompt of `task` for `problem`; explain's synthesize stage needs the `description` from describe."""
    if task in ("fix", "fixdocs"):
        base = prompt_base(problem, with_docs=task == "fixdocs")
        instruction = f"Fix bugs in {problem.entry_point}."
        context = base + problem.buggy_solution
        if task == "fix":
            context += "\n" + problem.test
    elif task == DESCRIBE:
        code = prompt_base(problem, with_docs=False)
        instruction = (
            "Provide a concise natural language description of the code using at most "
            f"{len(problem.docstring)} characters."
        )
        context = code + problem.canonical_solution
        base = ""
    elif task == "explain":
        if description is None:
            raise OctoError("explain's synthesize stage needs the descriptions from its describe stage")
        base = prompt_base(problem, with_docs=False)
        instruction = f"Write functional code in {LANGUAGE_NAMES[problem.lang]} according to the description."
        context = description
    elif task == "synthesize":
        base = prompt_base(problem, with_docs=True)
        instruction = problem.instruction.strip()
        context = None
    else:
        raise OctoError(f"unknown task {task!r}; choose from {', '.join(TASKS)}")
    return Prompt(format_prompt(fmt, base, instruction, context), base, instruction, context)


def chat_messages(prompt: Prompt, lang: str) -> list[Message]:
    """The prompt as one user turn for a model's own chat template; the answer start is asked for, not prefilled."""
    content = prompt.instruction if prompt.context is None else prompt.instruction + "\n" + prompt.context
    if prompt.base.strip():
        content += f"\n\nStart your answer with:\n```{lang}\n{prompt.base.strip()}\n```"
    return [{"role": "user", "content": content}]
