"""The Entry and Sample types say what a synth run keeps per seed and writes per sample."""

from __future__ import annotations

from gitocto.synth.entry import Entry, Sample
from gitocto.synth.oss_instruct import make_entry
from gitocto.synth.seeds import Seed

REPLY = """[Problem Description]
Write a function `double(x)` returning twice its argument.

[Solution]
```python
def double(x):
    return 2 * x
```

[Tests]
```python
assert double(2) == 4
```
"""


def _fits(entry: Entry) -> None:
    assert set(entry) <= Entry.__required_keys__ | Entry.__optional_keys__
    assert Entry.__required_keys__ <= set(entry)
    record = entry.get("record")
    if record is not None:
        assert set(record) <= Sample.__required_keys__ | Sample.__optional_keys__
        assert Sample.__required_keys__ <= set(record)


def test_both_oss_instruct_recipes_make_entries_of_the_entry_type() -> None:
    seed = Seed(index=3, lang="python", text="x = 1", origin="a.py:1")
    for recipe in ("gitocto", "magicoder"):
        kept = make_entry(seed, REPLY, "teacher", "stop", recipe)
        assert kept["status"] == "kept"
        _fits(kept)
        dropped = make_entry(seed, "no sections at all", "teacher", "stop", recipe)
        assert dropped["status"] == "dropped" and "record" not in dropped
        _fits(dropped)
