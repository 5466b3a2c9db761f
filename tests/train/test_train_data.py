"""Reading JSONL/JSONL.gz/Parquet records, mixing by weight, holding out eval, packing rows."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gitocto.errors import OctoError
from gitocto.train.config import build_config, load_recipe, parse_data_arg
from gitocto.train.data import data_files, mix, read_records, split_eval
from gitocto.train.packing import collate_packed, pack
from gitocto.train.tokenization import IGNORE_INDEX, Sample
from tests.train.train_helpers import commit_record, write_jsonl

ROOT = Path(__file__).resolve().parents[2]


def test_reads_jsonl_gzip_and_parquet(tmp_path: Path) -> None:
    rows = [commit_record(i) for i in range(3)]
    plain = write_jsonl(tmp_path / "a.jsonl", rows)
    with gzip.open(tmp_path / "b.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in rows)
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "c.parquet")
    for name in ("a.jsonl", "b.jsonl.gz", "c.parquet"):
        got = read_records(tmp_path / name)
        assert got.rows == rows and {"subject", "old_contents", "new_contents"} <= got.columns
    assert data_files(tmp_path) == [tmp_path / "a.jsonl", tmp_path / "b.jsonl.gz", tmp_path / "c.parquet"]
    assert read_records(plain).skipped == Counter()


def test_unreadable_lines_are_counted_and_missing_files_are_errors(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps(commit_record(0)) + "\n{broken\n[1, 2]\n\n", encoding="utf-8")
    got = read_records(path)
    assert len(got.rows) == 1
    assert got.skipped == Counter({"line is not valid JSON": 1, "line is not a JSON object": 1})
    with pytest.raises(OctoError, match="data file not found"):
        data_files(tmp_path / "nope.jsonl")
    (tmp_path / "empty-dir").mkdir()
    with pytest.raises(OctoError, match=r"no \.jsonl"):
        data_files(tmp_path / "empty-dir")
    (tmp_path / "x.parquet").write_text("not parquet")
    with pytest.raises(OctoError, match="not a readable Parquet file"):
        read_records(tmp_path / "x.parquet")


def test_mix_follows_weights_and_is_deterministic() -> None:
    a, b = [("a", i) for i in range(100)], [("b", i) for i in range(10)]
    epoch = mix([a, b], [1.0, 1.0], seed=3)
    assert len(epoch) == 110
    assert sum(1 for k, _ in epoch if k == "b") == 55  # the small set is upsampled to half
    assert len({x for x in epoch if x[0] == "a"}) == 55  # without replacement while it lasts
    assert epoch == mix([a, b], [1.0, 1.0], seed=3) and epoch != mix([a, b], [1.0, 1.0], seed=4)
    assert sum(1 for k, _ in mix([a, b], [3.0, 1.0], seed=0) if k == "a") == 82


def test_split_eval_holds_out_a_fraction() -> None:
    train, held = split_eval(list(range(40)), 0.1, seed=0)
    assert len(held) == 4 and sorted(train + held) == list(range(40))
    assert split_eval([1], 0.5, seed=0) == ([1], [])


def test_pack_fills_rows_and_restarts_positions() -> None:
    samples = [Sample(tuple(range(10, 10 + n)), 2) for n in (6, 5, 3, 7, 2)]
    rows = pack(samples, seq_len=10)
    assert all(sum(len(s.ids) for s in row) <= 10 for row in rows)
    assert sorted(len(s.ids) for row in rows for s in row) == [2, 3, 5, 6, 7]
    batch = collate_packed(rows, pad_id=0, seq_len=10, flatten=False)
    assert batch.inputs["input_ids"].shape == (len(rows), 10)
    first = rows[0]
    positions = batch.inputs["position_ids"][0].tolist()
    assert positions[: len(first[0].ids)] == list(range(len(first[0].ids)))
    assert positions[len(first[0].ids)] == 0  # the next sample (or the padding) starts over
    labels = batch.labels[0].tolist()
    assert labels[0] == IGNORE_INDEX and labels[len(first[0].ids)] == IGNORE_INDEX
    assert batch.n_tokens == 23 and batch.n_loss == sum(s.n_loss for s in samples)
    flat = collate_packed(rows, pad_id=0, seq_len=10, flatten=True)
    assert flat.inputs["input_ids"].shape == (1, 23)


def test_config_merges_recipe_and_flags_and_explains_mistakes(tmp_path: Path) -> None:
    recipe = load_recipe(ROOT / "train" / "tiny-cpu.yaml")
    config = build_config(
        recipe, {"lr": 0.5, "data": ["x.jsonl:2", "y.jsonl"], "output": "o", "packing": None, "model": "m"}
    )
    assert config.lr == 0.5 and config.packing is True
    assert [(d.path, d.weight) for d in config.data] == [("x.jsonl", 2.0), ("y.jsonl", 1.0)]
    assert parse_data_arg("c:/odd:path.jsonl").path == "c:/odd:path.jsonl"
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: m\nlerning_rate: 1\n")
    with pytest.raises(OctoError, match="unknown key 'lerning_rate'"):
        load_recipe(bad)
    bad.write_text("lrr: 1\n")
    with pytest.raises(OctoError, match="did you mean 'lr'"):
        load_recipe(bad)
    with pytest.raises(OctoError, match="no model given"):
        build_config({}, {"data": ["x"], "output": "o"})
    with pytest.raises(OctoError, match="overlong must be one of drop, truncate"):
        build_config({"model": "m", "data": "x", "output": "o", "overlong": "cut"}, {})


def test_shipped_recipes_are_valid() -> None:
    for path in sorted((ROOT / "train").glob("*.yaml")):
        if path.name.startswith("accelerate-"):
            continue
        build_config(load_recipe(path), {"model": "m", "data": ["x.jsonl"], "output": "o"}, where=str(path))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"seq_len": "256"}, "'seq_len' must be an integer, not '256'"),
        ({"batch_size": 2.5}, "'batch_size' must be an integer, not 2.5"),
        ({"max_steps": 1.5}, "'max_steps' must be an integer (or left out), not 1.5"),
        ({"grad_accum": True}, "'grad_accum' must be an integer, not True"),
        ({"report_to": 5}, "'report_to' must be a list of strings, not 5"),
        ({"report_to": ["tensorboard", 5]}, "'report_to' must be a list of strings, not ['tensorboard', 5]"),
        ({"lora_target_modules": 5}, "'lora_target_modules' must be a list of strings or a string, not 5"),
        ({"data": [{"path": "x", "weight": "abc"}]}, "'data: weight' must be a number, not 'abc'"),
        ({"data": [{"path": 3}]}, "'data: path' must be a string, not 3"),
        ({"lora": "yes"}, "'lora' must be true or false, not 'yes'"),
        ({"model": 7}, "'model' must be a string, not 7"),
        ({"lr": "1e-4"}, "'lr' must be a number, not '1e-4' (YAML reads 1e-4 as text: write 1.0e-4)"),
    ],
)
def test_config_values_of_the_wrong_type_name_the_key(tmp_path: Path, values: dict[str, object], message: str) -> None:
    import yaml

    recipe = tmp_path / "r.yaml"
    recipe.write_text(yaml.safe_dump({"model": "m", "data": "x.jsonl", "output": "o", **values}))
    with pytest.raises(OctoError) as caught:
        build_config(load_recipe(recipe), {}, where=str(recipe))
    assert str(caught.value) == f"{recipe}: {message}"


def test_config_accepts_ints_for_floats_and_a_string_for_lists() -> None:
    config = build_config(
        {
            "model": "m",
            "data": [{"path": "x", "weight": 2}],
            "output": "o",
            "epochs": 3,
            "lr": 1,
            "report_to": "tensorboard",
            "lora_target_modules": ["q_proj", "v_proj"],
        },
        {},
    )
    assert config.epochs == 3.0 and isinstance(config.epochs, float) and isinstance(config.lr, float)
    assert config.data[0].weight == 2.0 and config.report_to == ["tensorboard"]
    assert config.lora_target_modules == ["q_proj", "v_proj"]
