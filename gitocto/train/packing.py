"""Packing samples into fixed-length rows, and turning micro-batches into model inputs.

Packed rows never let one sample see another: position ids restart at 0 for every sample, and attention stays
inside each sample – flash-attention reads the boundaries from the position ids (varlen kernels over one
flattened row, no padding); sdpa and eager get a block-diagonal causal 4D mask built here (transformers can
derive one from the position ids too, but on CPU its mask ran sdpa at half the speed of this one).  The first
token of every sample has label IGNORE_INDEX, so no sample is trained to predict the next one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gitocto.train.tokenization import IGNORE_INDEX, Sample

if TYPE_CHECKING:
    import torch

OPEN_ROWS = 64  # rows still open for first-fit; more packs tighter but costs O(samples * rows)
PAD_MULTIPLE = 8  # unpacked batches pad to a multiple of this, which tensor cores prefer


def pack(samples: Sequence[Sample], seq_len: int) -> list[list[Sample]]:
    """Group samples, in order, into rows of at most `seq_len` tokens by first fit over the last OPEN_ROWS rows."""
    rows: list[list[Sample]] = []
    room: list[int] = []
    first_open = 0
    for sample in samples:
        n = len(sample.ids)
        for i in range(first_open, len(rows)):
            if room[i] >= n:
                rows[i].append(sample)
                room[i] -= n
                break
        else:
            rows.append([sample])
            room.append(seq_len - n)
            first_open = max(first_open, len(rows) - OPEN_ROWS)
    return rows


@dataclass
class Batch:
    """Model inputs for one micro-batch, its labels, and the counts that throughput and MFU need."""

    inputs: dict[str, torch.Tensor]
    labels: torch.Tensor
    n_tokens: int  # real (non-padding) tokens the model runs over
    n_loss: int  # tokens that carry loss
    attn_sq: int  # sum over samples of length², for the attention term of the FLOP count

    def to(self, device: torch.device) -> Batch:
        """The same batch on `device`."""
        inputs = {k: v.to(device, non_blocking=True) for k, v in self.inputs.items()}
        return Batch(inputs, self.labels.to(device, non_blocking=True), self.n_tokens, self.n_loss, self.attn_sq)


def _counts(samples: Sequence[Sample]) -> tuple[int, int, int]:
    return (sum(len(s.ids) for s in samples), sum(s.n_loss for s in samples), sum(len(s.ids) ** 2 for s in samples))


def collate_padded(samples: Sequence[Sample], pad_id: int) -> Batch:
    """One sample per row, right-padded, with a 2D attention mask (the unpacked path)."""
    import torch

    width = max(len(s.ids) for s in samples)
    width = -(-width // PAD_MULTIPLE) * PAD_MULTIPLE
    ids = torch.full((len(samples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(samples), width), IGNORE_INDEX, dtype=torch.long)
    mask = torch.zeros((len(samples), width), dtype=torch.long)
    for row, s in enumerate(samples):
        n = len(s.ids)
        ids[row, :n] = torch.tensor(s.ids)
        labels[row, :n] = torch.tensor(s.labels())
        mask[row, :n] = 1
    return Batch({"input_ids": ids, "attention_mask": mask}, labels, *_counts(samples))


def block_causal_mask(position_ids: torch.Tensor, additive: bool) -> torch.Tensor:
    """A [rows, 1, len, len] causal mask that keeps attention inside each sample (position ids restart at 0).

    Boolean (True: attend) for sdpa; additive (0 or the most negative float) for eager attention.
    """
    import torch

    sample = (position_ids == 0).cumsum(-1)
    length = position_ids.shape[-1]
    causal = torch.ones(length, length, dtype=torch.bool).tril()
    mask = (sample[:, :, None] == sample[:, None, :]) & causal
    if additive:
        zero = torch.zeros((), dtype=torch.float32)
        return torch.where(mask, zero, torch.finfo(torch.float32).min)[:, None]
    return mask[:, None]


def collate_packed(
    rows: Sequence[Sequence[Sample]], pad_id: int, seq_len: int, flatten: bool, mask: str | None = None
) -> Batch:
    """Packed rows with per-sample position ids.

    flatten=False gives a [rows, seq_len] batch, each row's tail padded as a sample of its own; `mask` adds the
    block-diagonal 4D mask ("bool" for sdpa, "additive" for eager; None leaves it to transformers).
    flatten=True concatenates every sample into one [1, tokens] row with no padding at all, the layout
    flash-attention's varlen path reads from the position ids.
    """
    import torch

    ids: list[list[int]] = []
    labels: list[list[int]] = []
    positions: list[list[int]] = []
    for row in rows:
        r_ids: list[int] = []
        r_labels: list[int] = []
        r_pos: list[int] = []
        for s in row:
            r_ids.extend(s.ids)
            r_labels.extend(s.labels())
            r_pos.extend(range(len(s.ids)))
        pad = 0 if flatten else seq_len - len(r_ids)
        ids.append(r_ids + [pad_id] * pad)
        labels.append(r_labels + [IGNORE_INDEX] * pad)
        positions.append(r_pos + list(range(pad)))
    if flatten:
        ids = [[t for r in ids for t in r]]
        labels = [[t for r in labels for t in r]]
        positions = [[t for r in positions for t in r]]
    samples = [s for row in rows for s in row]
    inputs = {"input_ids": torch.tensor(ids), "position_ids": torch.tensor(positions)}
    if mask and not flatten:
        inputs["attention_mask"] = block_causal_mask(inputs["position_ids"], additive=mask == "additive")
    return Batch(inputs, torch.tensor(labels), *_counts(samples))


def micro_batches(samples: Sequence[Sample], batch_size: int, seq_len: int, packing: bool) -> list[list[list[Sample]]]:
    """Split one epoch's samples (already in epoch order) into micro-batches of `batch_size` rows.

    With packing a row holds several samples; without, a row is one sample.
    """
    rows = pack(samples, seq_len) if packing else [[s] for s in samples]
    return [rows[i : i + batch_size] for i in range(0, len(rows), batch_size)]


def collate(
    batch: Sequence[Sequence[Sample]], pad_id: int, seq_len: int, packing: bool, attn_implementation: str
) -> Batch:
    """Model inputs for a micro-batch of rows, packed or padded, laid out for the attention implementation."""
    if packing:
        flatten = attn_implementation.startswith("flash_attention")
        mask = {"sdpa": "bool", "eager": "additive"}.get(attn_implementation)
        return collate_packed(batch, pad_id, seq_len, flatten, mask)
    return collate_padded([row[0] for row in batch], pad_id)
