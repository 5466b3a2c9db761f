"""Build a tiny causal LM and tokenizer in code, so tests never touch a model hub."""

from __future__ import annotations

from pathlib import Path

CORPUS = [
    "def add(a, b):\n    return a + b\n",
    "def fix_bug(x):\n    return x - 1\n",
    "Question: Fix bugs in add.\ndef add(a, b):\n    return a - b\n\nAnswer:\ndef add(a, b):\n    return a + b\n",
    "function add(a, b) {\n  return a + b;\n}\n",
    "fn add(a: i32, b: i32) -> i32 {\n    a + b\n}\n",
    "func Add(a int, b int) int {\n\treturn a + b\n}\n",
    "public class Main { public static void main(String[] args) { System.out.println(1); } }\n",
    "#include <vector>\nint add(int a, int b) { return a + b; }\n",
    "Add tests for the parser\nFix typo in README\nUpdate dependencies\nRefactor the loader\n",
    "<commit_before>x = 1\n<commit_msg>Change x<commit_after>x = 2\n",
]
SPECIAL_TOKENS = ["<|endoftext|>", "<pad>"]


def build_tiny_model(path: Path, vocab_size: int = 384, seed: int = 0) -> Path:
    """Train a byte-level BPE tokenizer on a small code corpus and save it with a random tiny Llama to `path`."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(CORPUS * 4, trainer=trainer)
    fast = PreTrainedTokenizerFast(  # type: ignore[no-untyped-call]
        tokenizer_object=tok, eos_token="<|endoftext|>", bos_token="<|endoftext|>", pad_token="<pad>"
    )
    fast.padding_side = "left"
    fast.chat_template = (
        "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
        "{% if add_generation_prompt %}assistant: {% endif %}"
    )
    fast.save_pretrained(path)

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(fast),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        max_position_embeddings=4096,  # room for HumanEvalPack prompts: `git octo serve` refuses longer ones
        bos_token_id=fast.bos_token_id,
        eos_token_id=fast.eos_token_id,
        pad_token_id=fast.pad_token_id,
        tie_word_embeddings=False,
    )
    model = LlamaForCausalLM(config)
    model.save_pretrained(path)
    return path
