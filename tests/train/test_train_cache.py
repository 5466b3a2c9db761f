"""Train data at real sizes: length bounds before tokenizing, the sample cache, progress, and the run's log."""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gitocto.train import samplecache
from gitocto.train.config import TrainConfig
from gitocto.train.corpus import load_corpus
from gitocto.train.model import load_tokenizer
from gitocto.train.progress import Progress
from gitocto.train.recipe import train
from gitocto.train.tokenization import backend_spec, build_samples, max_token_chars
from tests.train.train_helpers import commit_record, metrics, write_jsonl


def varied_records(n: int) -> list[dict[str, Any]]:
    """Commit records from a few tokens to tens of thousands of characters, with long runs of blanks."""
    rows = []
    for i in range(n):
        body = "".join(
            f"def f{j}(x):\n{' ' * (4 + j % 40)}return x + {j}  # {'é' * (j % 3)}\n" for j in range((i * 37) % 400)
        )
        rows.append({**commit_record(i), "old_contents": body[: (i * 911) % 9000], "new_contents": body or "x = 1\n"})
    return rows


def edge_records(tokenizer: Any) -> list[dict[str, Any]]:
    """Prompts of every length around seq_len, and answers of the vocabulary's longest entry over and over, whose
    characters per token come close to the bound (the cases where a loose cut or skip would change samples)."""
    longest = tokenizer.convert_tokens_to_string([max(tokenizer.get_vocab(), key=len)])
    return [
        {**commit_record(j), "old_contents": "y = x + 1\n" * j, "new_contents": longest * (j * 7 % 300 + 1)}
        for j in range(0, 120, 2)
    ]


@pytest.fixture
def varied_file(tmp_path: Path) -> Path:
    return write_jsonl(tmp_path / "varied.jsonl", varied_records(60))


class CountingCalls:
    """Counts the calls of the tokenizer class's __call__ (the batch encoding of prompts and answers)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, tokenizer: Any) -> None:
        self.calls = 0
        original = type(tokenizer).__call__

        def counting(tok: Any, *args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return original(tok, *args, **kwargs)

        monkeypatch.setattr(type(tokenizer), "__call__", counting)


@pytest.fixture
def tokenizer(tiny_model_dir: Path) -> Iterator[Any]:
    yield load_tokenizer(str(tiny_model_dir))


def test_the_length_bound_holds_for_every_text(tokenizer: Any, varied_file: Path) -> None:
    bound = max_token_chars(backend_spec(tokenizer))
    assert bound is not None and bound == max(len(t) for t in tokenizer.get_vocab())
    texts = [r["new_contents"] for r in varied_records(60) + edge_records(tokenizer)]
    texts += [" " * 5000, "\n" * 300, "ééé" * 100, "<pad>" * 50]
    for text in texts:
        assert len(tokenizer(text, add_special_tokens=False)["input_ids"]) * bound >= len(text)


def test_no_bound_where_a_tokenizer_can_shorten_text(tokenizer: Any) -> None:
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    spec = backend_spec(tokenizer)
    assert spec is not None
    for normalizer in (normalizers.NFC(), normalizers.Strip(), normalizers.Sequence([normalizers.NFKC()])):
        tok = Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())
        tok.normalizer = normalizer
        assert max_token_chars(json.loads(tok.to_str())) is None
    for pre in (pre_tokenizers.Whitespace(), pre_tokenizers.Split(" ", behavior="removed")):
        tok = Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())
        tok.pre_tokenizer = pre
        assert max_token_chars(json.loads(tok.to_str())) is None
    assert max_token_chars(json.loads(Tokenizer(models.WordPiece({"[UNK]": 0}, unk_token="[UNK]")).to_str())) is None
    assert max_token_chars(None) is None


@pytest.mark.parametrize("overlong", ["drop", "truncate"])
@pytest.mark.parametrize("seq_len", [64, 256])
def test_skipping_and_cutting_before_tokenizing_changes_no_sample(tokenizer: Any, overlong: str, seq_len: int) -> None:
    rows = varied_records(60) + edge_records(tokenizer)
    bound = max_token_chars(backend_spec(tokenizer))
    plain: Counter[str] = Counter()
    expected = build_samples(
        rows, fmt="octocoder", kind="commit", tokenizer=tokenizer, seq_len=seq_len, overlong=overlong, skipped=plain
    )
    skipped: Counter[str] = Counter()
    early: Counter[str] = Counter()
    got = build_samples(
        rows,
        fmt="octocoder",
        kind="commit",
        tokenizer=tokenizer,
        seq_len=seq_len,
        overlong=overlong,
        skipped=skipped,
        bound=bound,
        early=early,
    )
    assert got == expected and skipped == plain
    assert sum(early.values()) > 0  # some records really were dropped without tokenizing
    assert all(skipped[why] >= n for why, n in early.items())


def test_a_second_load_takes_the_samples_from_the_cache(
    make_config: Callable[..., TrainConfig], tokenizer: Any, varied_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(data=[str(varied_file)], seq_len=256, eval_fraction=0.1)
    counter = CountingCalls(monkeypatch, tokenizer)
    first = load_corpus(config, tokenizer)
    assert counter.calls > 0 and first.stats.tokenized_files == 1 and first.stats.cached_files == 0
    assert list(samplecache.cache_root().glob("*.bin"))  # under the test's own XDG_CACHE_HOME
    counter.calls = 0
    second = load_corpus(config, tokenizer)
    assert counter.calls == 0 and second.stats.cached_files == 1 and second.stats.tokenized_files == 0
    assert second.groups == first.groups and second.eval_samples == first.eval_samples
    assert (second.skipped, second.early, second.n_records) == (first.skipped, first.early, first.n_records)
    assert second.fingerprint(config) == first.fingerprint(config)

    counter.calls = 0
    load_corpus(make_config(data=[str(varied_file)], seq_len=256, data_cache=False), tokenizer)
    assert counter.calls > 0  # data_cache: false always tokenizes


def test_a_change_of_data_tokenizer_or_settings_tokenizes_again(
    make_config: Callable[..., TrainConfig], tokenizer: Any, varied_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = {"data": [str(varied_file)], "seq_len": 256}
    counter = CountingCalls(monkeypatch, tokenizer)

    def tokenizes(config: TrainConfig, tok: Any = tokenizer) -> bool:
        counter.calls = 0
        load_corpus(config, tok)
        return counter.calls > 0

    assert tokenizes(make_config(**base))
    assert not tokenizes(make_config(**base))
    assert tokenizes(make_config(**base, format="instruction"))
    assert tokenizes(make_config(**{**base, "seq_len": 128}))
    assert tokenizes(make_config(**base, overlong="truncate"))
    assert not tokenizes(make_config(**base))  # each combination keeps its own entry

    rows = varied_records(60)
    rows[0]["subject"] = "Fix bugs in sub"
    write_jsonl(varied_file, rows)
    assert tokenizes(make_config(**base))
    assert not tokenizes(make_config(**base))

    grown = load_tokenizer(tokenizer.name_or_path)
    grown.add_tokens(["return x"])
    assert tokenizes(make_config(**base), grown)
    assert not tokenizes(make_config(**base), grown)
    assert not tokenizes(make_config(**base))

    for entry in samplecache.cache_root().glob("*.bin"):  # a damaged entry is not trusted
        entry.write_bytes(entry.read_bytes()[:-3])
    assert tokenizes(make_config(**base))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_on_a_terminal_and_plain_lines_otherwise() -> None:
    plain = io.StringIO()
    with Progress("tokenizing a.jsonl", 10, stream=plain, every_s=0) as bar:
        for _ in range(10):
            bar.advance(1)
    lines = plain.getvalue().splitlines()
    assert lines[0] == "git octo train: tokenizing a.jsonl: 1/10 records (10%, 0 s)" and len(lines) == 9

    quiet = io.StringIO()
    with Progress("tokenizing a.jsonl", 10, stream=quiet, every_s=0, enabled=False) as bar:
        bar.advance(10)
    assert quiet.getvalue() == ""

    term = Terminal()
    with Progress("tokenizing a.jsonl", 10, stream=term) as bar:
        bar.advance(5)
        assert bar._bar is not None
    assert "git octo train: tokenizing a.jsonl" in term.getvalue()


def test_log_names_the_precision_and_each_step_once(
    make_config: Callable[..., TrainConfig], commits_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    common = {"data": [str(commits_file)], "max_steps": 4, "log_every": 2, "eval_fraction": 0.2, "eval_every": 2}
    assert train(make_config(**common, precision="fp32", output=str(tmp_path / "a"))) == 0
    err = capsys.readouterr().err
    assert "precision fp32" in err and "precision no" not in err
    step_lines = [line for line in err.splitlines() if "| " in line and line.startswith("git octo train: step ")]
    assert [line.split()[4] for line in step_lines] == ["2", "4"]
    assert all("loss" in line and "eval_loss" in line for line in step_lines)
    assert [m["step"] for m in metrics(tmp_path / "a")] == [2, 4]
    assert "tokenized 1 file" in err and "MB/s" in err

    assert train(make_config(**common, output=str(tmp_path / "b"))) == 0
    err = capsys.readouterr().err
    assert "precision fp32 (auto)" in err  # on CPU
    assert "took the samples of 1 file" in err and "tokenized 1 file" not in err


@pytest.mark.parametrize(
    ("ours", "theirs"), [("cosine", "cosine"), ("linear", "linear"), ("constant", "constant_with_warmup")]
)
def test_schedules_follow_transformers(ours: str, theirs: str) -> None:
    import torch
    from transformers import get_scheduler

    from gitocto.train.schedule import make_scheduler

    def lrs(make: Callable[[torch.optim.Optimizer], Any]) -> list[float]:
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        sched, out = make(opt), []
        for _ in range(30):
            out.append(sched.get_last_lr()[0])
            opt.step()
            sched.step()
        return out

    mine = lrs(lambda opt: make_scheduler(opt, ours, 5, 25))
    assert mine == pytest.approx(
        lrs(lambda opt: get_scheduler(theirs, opt, num_warmup_steps=5, num_training_steps=25)), abs=1e-12
    )
    assert len(set(mine)) > (2 if ours == "constant" else 20)
