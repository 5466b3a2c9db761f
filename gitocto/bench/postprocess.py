"""Stop sequences and truncation per language, turning a raw completion into the code (or description) scored."""

from __future__ import annotations

import re

from gitocto.bench.data import Problem
from gitocto.bench.prompts import DESCRIBE, Prompt
from gitocto.bench.records import GenerationRecord

# From the paper's harness (after CodeGeeX and MultiPL-E); the brace languages rely on brace balancing instead.
STOP_SEQUENCES: dict[str, tuple[str, ...]] = {
    "python": ("\nclass", "\ndef", "\n#", "\n@", "\nprint", "\nif", "\nassert"),
    "go": ("\n//", "\nfunc main(", "struct", "\nfunc"),
    "cpp": (),
    "js": (),
    "java": (),
    "rust": (),
}
END_OF_TEXT = "<|endoftext|>"


def stop_sequences(lang: str) -> tuple[str, ...]:
    """The stop sequences generation uses for `lang` (its own plus the end-of-text marker)."""
    return (*STOP_SEQUENCES[lang], END_OF_TEXT)


# The paper's harness stops a brace language's generation once the function's braces balance (its check_fn). A
# backend takes stop strings only; a function (Java: the class) written in the usual layout closes with a `}` at the
# start of a line, so generation stops there. The backend leaves the stop out of the text: `restore_brace` puts the
# `}` back when it is the one that balances the braces.
BRACE_STOP = "\n}"
BRACE_LANGS = ("js", "java", "go", "cpp", "rust")


def request_stops(lang: str, prompt_format: str, stage: str = "") -> tuple[str, ...]:
    """The stop sequences a generation request carries. A chat reply opens with a code fence and restates the
    function (`def`, `func` at the start of a line), so the language's stops would cut it before any code: chat
    stops only at end of text and `reply_to_code` cuts the code out afterwards. Code answers in a brace language
    also stop where the function closes (not explain's describe stage, which writes text)."""
    if prompt_format == "chat":
        return (END_OF_TEXT,)
    if lang in BRACE_LANGS and stage != DESCRIBE:
        return (*stop_sequences(lang), BRACE_STOP)
    return stop_sequences(lang)


def open_braces(lang: str, completion: str) -> int:
    """Braces still open after `completion`, counting those the prompt left open (one; Java two, the class too)
    and every brace of the text, as the paper's harness counts them."""
    return (2 if lang == "java" else 1) + completion.count("{") - completion.count("}")


def restore_brace(lang: str, completion: str) -> str:
    """A completion cut at BRACE_STOP with its closing `}` back, when that `}` balances the braces; otherwise
    unchanged."""
    return completion + BRACE_STOP if lang in BRACE_LANGS and open_braces(lang, completion) == 1 else completion


def generated_completions(lang: str, record: GenerationRecord) -> list[str]:
    """A generation record's completions as the model wrote them: a `}` the brace stop cut off is put back where
    the sample ended at a stop (older records without finish reasons are taken as they are)."""
    completions: list[str] = list(record["completions"])
    finishes = record.get("finish_reasons") or []
    if BRACE_STOP not in record.get("stops", ()) or len(finishes) != len(completions):
        return completions
    return [restore_brace(lang, c) if f == "stop" else c for c, f in zip(completions, finishes, strict=True)]


def cut_at_stops(text: str, stops: tuple[str, ...]) -> str:
    """Cut at the first occurrence of any stop sequence."""
    for stop in stops:
        i = text.find(stop)
        if i != -1:
            text = text[:i]
    return text


def truncate_code(lang: str, code: str) -> str:
    """Cut a function body where the function ends: Python at the first unindented line, braces where they balance."""
    code = cut_at_stops(code, stop_sequences(lang))
    if lang == "python":
        lines = code.split("\n")
        for i, line in enumerate(lines):
            if line.strip() and line[0] not in " \t":
                return "\n".join(lines[:i])
        return code
    # The prompt leaves the function (and for Java the class too) open.
    depth = 2 if lang == "java" else 1
    for i, ch in enumerate(code):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if depth == 0:
            return code[: i + 1]
    if lang == "java":
        main = code.find("public static void main")
        if main != -1:
            code = code[:main] + "}"
        if "}" in code:
            code = code[: code.rfind("}")] + "}"
        if code.count("{") - 1 == code.count("}"):
            code += "\n}"
    elif "}" in code:
        code = code[: code.rfind("}")] + "}"
    return code


def completion_to_code(problem: Problem, prompt: Prompt, completion: str, base: str | None = None) -> str:
    """The function's code from a completion that continues `prompt` (the answer start is the prompt's end),
    joined onto `base` (default: the answer start)."""
    return (prompt.base if base is None else base).rstrip() + truncate_code(problem.lang, completion.rstrip())


_FENCE = re.compile(r"```[\w+#-]*\n(.*?)(?:```|$)", re.DOTALL)


def reply_to_code(problem: Problem, prompt: Prompt, reply: str) -> str:
    """The function's code from a chat reply: its first fenced block, restated in full or continuing the start.

    A restated function keeps what comes before it (imports, helpers) and is cut where it ends, as a continuation
    is: example calls and prints after it would fail the test program (in JavaScript any output does).
    """
    match = _FENCE.search(reply)
    block = match.group(1) if match else reply
    base = prompt.base.strip()
    if base and block.lstrip().startswith(base):
        return completion_to_code(problem, prompt, block.lstrip()[len(base) :])
    body = body_start(problem.lang, block, problem.entry_point)
    if body is not None:
        return (block[:body] + truncate_code(problem.lang, block[body:])).rstrip()
    return completion_to_code(problem, prompt, block)


_COMMENT_LINE = ("//", "/*", "*", "#")


def body_start(lang: str, code: str, name: str) -> int | None:
    """Where the body of function `name` starts in `code` (after its `:` or `{`), or None when it is not defined."""
    if lang == "python":
        match = re.search(rf"^[ \t]*(?:async[ \t]+)?def[ \t]+{re.escape(name)}[ \t]*\(", code, re.MULTILINE)
        if match is None:
            return None
        close = _closing_paren(code, match.end() - 1)
        colon = code.find(":", close)
        return None if colon == -1 else colon + 1
    # A declaration, not a call or a mention: no `.` before the name, no `(` or `=` earlier on its line (a Go
    # method's receiver aside), an optional JavaScript `= function`/`= async` before the parameters, and the
    # body's `{` after them with no `;` in between.
    assign = r"(?:\s*=\s*(?:async\s*)?(?:function\b\s*\*?\s*\w*)?)?"
    generics = r"(?:<[^;{]*?>\s*)?"
    for match in re.finditer(rf"(?<![\w.$]){re.escape(name)}{assign}\s*{generics}\(", code):
        line_start = code.rfind("\n", 0, match.start()) + 1
        before = code[line_start : match.start()]
        if before.lstrip().startswith(_COMMENT_LINE) or any(w in before.split() for w in ("return", "new")):
            continue
        if ("(" in before or "=" in before) and not before.lstrip().startswith("func"):
            continue
        close = _closing_paren(code, match.end() - 1)
        brace = code.find("{", close)
        if brace != -1 and ";" not in code[close:brace]:
            return brace + 1
    return None


def _closing_paren(code: str, open_index: int) -> int:
    """The index just after the parenthesis that closes the one at `open_index` (the end when it never closes)."""
    depth = 0
    for i in range(open_index, len(code)):
        if code[i] == "(":
            depth += 1
        elif code[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(code)


def describe_text(problem: Problem, completion: str) -> str:
    """A description cut to the docstring's length, without lines copied from the solution (the paper's rule)."""
    text = cut_at_stops(completion.strip()[: len(problem.docstring)], stop_sequences(problem.lang)).rstrip()
    for line in problem.canonical_solution.split("\n"):
        line = line.strip()
        if len(line) > 20 and line in text:
            text = text.replace(line, "")
    return text


def to_code_or_text(problem: Problem, task: str, prompt: Prompt, completion: str, chat: bool) -> str:
    """Post-process one completion of `task`: a description for explain's describe stage, otherwise code."""
    if task == DESCRIBE:
        return describe_text(problem, completion)
    if chat:
        return reply_to_code(problem, prompt, completion)
    # Explain's answer continues the bare declaration, but (as in the paper's harness) it is joined onto the full
    # prompt: imports and the helper functions some tests call (Go/10, 32, 38, 50) come with it.
    base = problem.prompt if task == "explain" else None
    return completion_to_code(problem, prompt, completion, base)
