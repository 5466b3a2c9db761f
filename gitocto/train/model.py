"""Loading the tokenizer and model to train: format tokens, attention backend, LoRA, gradient checkpointing."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from gitocto.errors import OctoError
from gitocto.train.formats import COMMIT_TOKENS

VARLEN_ATTENTION = ("flash_attention_2", "flash_attention_3")


def _check_model_path(name: str) -> None:
    looks_local = name.startswith((".", "/", "~")) or Path(name).exists() or name.count("/") > 1
    if looks_local and not Path(name).expanduser().is_dir():
        raise OctoError(f"model path does not exist: {name}")


def load_tokenizer(name: str, trust_remote_code: bool = False) -> Any:
    """Load the model's tokenizer; a pad token falls back to EOS since padded positions carry no loss anyway."""
    from transformers import AutoTokenizer

    _check_model_path(name)
    try:
        tokenizer = AutoTokenizer.from_pretrained(name, trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as exc:
        raise OctoError(f"cannot load the tokenizer of {name}: {str(exc).splitlines()[0]}") from None
    if tokenizer.eos_token_id is None:
        raise OctoError(f"the tokenizer of {name} has no EOS token, which every answer must end with")
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def add_format_tokens(tokenizer: Any, formats: set[str]) -> list[int]:
    """Add the commit format's special tokens when the tokenizer lacks them; return the ids of the tokens added."""
    if "commit" not in formats:
        return []
    vocab = tokenizer.get_vocab()
    missing = [t for t in COMMIT_TOKENS if t not in vocab]
    if missing:
        tokenizer.add_tokens(missing, special_tokens=True)
    return [int(tokenizer.convert_tokens_to_ids(t)) for t in missing]


def attention_backend(requested: str, on_cuda: bool) -> str:
    """The attention implementation to load: flash-attention when asked or available on CUDA, else sdpa."""
    if requested != "auto":
        if requested in VARLEN_ATTENTION and importlib.util.find_spec("flash_attn") is None:
            raise OctoError(f"attn_implementation {requested} needs the flash-attn package; use sdpa or install it")
        return requested
    if on_cuda and importlib.util.find_spec("flash_attn") is not None:
        return "flash_attention_2"
    return "sdpa"


def load_model(
    name: str,
    *,
    attn_implementation: str,
    vocab_size: int,
    trust_remote_code: bool = False,
) -> Any:
    """Load a causal LM in fp32 (mixed precision runs it in bf16 under autocast) and grow its vocabulary if needed."""
    from transformers import AutoModelForCausalLM

    _check_model_path(name)
    try:
        model: Any = AutoModelForCausalLM.from_pretrained(
            name, dtype="float32", attn_implementation=attn_implementation, trust_remote_code=trust_remote_code
        )
    except (OSError, ValueError) as exc:
        raise OctoError(f"cannot load model {name}: {str(exc).splitlines()[0]}") from None
    rows: int = model.get_input_embeddings().weight.shape[0]
    if vocab_size > rows:
        # New rows start at the mean embedding, which keeps the first losses close to the base model's.
        model.resize_token_embeddings(vocab_size, mean_resizing=True)
    model.config.use_cache = False
    return model


def apply_lora(
    model: Any, r: int, alpha: int, dropout: float, targets: list[str] | str, new_token_ids: list[int]
) -> Any:
    """Wrap the model with LoRA adapters; rows of newly added tokens are trained too, or they would stay identical."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(
        r=r,
        lora_alpha=alpha,
        lora_dropout=dropout,
        target_modules=targets,
        task_type="CAUSAL_LM",
        trainable_token_indices=new_token_ids or None,
    )
    try:
        return get_peft_model(model, config)
    except ValueError as exc:
        raise OctoError(f"cannot apply LoRA: {str(exc).splitlines()[0]}; check lora_target_modules") from None


def enable_gradient_checkpointing(model: Any) -> None:
    """Recompute activations in the backward pass; the non-reentrant variant also works with frozen inputs (LoRA)."""
    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})


def save_final(model: Any, tokenizer: Any, output: Path, lora: bool, state_dict: dict[str, Any] | None = None) -> None:
    """Save the trained model (LoRA merged into the weights) and tokenizer in the standard transformers layout.

    `state_dict` is the gathered full state of a sharded (FSDP, ZeRO-3) model; None saves the model's own weights.
    """
    if lora:
        model = model.merge_and_unload()
    model.config.use_cache = True
    model.save_pretrained(output, state_dict=state_dict)
    tokenizer.save_pretrained(output)
