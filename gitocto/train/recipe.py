"""The finetuning recipe: one readable loop composing the parts in `gitocto.train`.

Each optimizer step takes `grad_accum × processes` micro-batches from the epoch's fixed plan (the last step of an
epoch takes what is left, so every sample is trained); every process takes its share and the loss is normalised
by the loss-bearing tokens of the whole step, so the update does not depend on how tokens were split into
micro-batches, rows or processes (packed and unpacked agree).
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Any

from gitocto import console
from gitocto.errors import OctoError
from gitocto.train import checkpoint
from gitocto.train.config import TrainConfig, to_yaml_dict
from gitocto.train.corpus import Corpus, describe_loading, formats_used, load_corpus
from gitocto.train.evaluate import bench_after_training
from gitocto.train.launch import set_deepspeed_batch
from gitocto.train.metrics import flop_model, mfu, peak_tflops
from gitocto.train.model import (
    add_format_tokens,
    apply_lora,
    attention_backend,
    enable_gradient_checkpointing,
    load_model,
    load_tokenizer,
    save_final,
)
from gitocto.train.packing import Batch, collate
from gitocto.train.schedule import make_scheduler
from gitocto.train.tokenization import IGNORE_INDEX, Sample

TRACKER_PACKAGES = {
    "tensorboard": "tensorboard",
    "wandb": "wandb",
    "mlflow": "mlflow",
    "comet_ml": "comet_ml",
    "aim": "aim",
    "clearml": "clearml",
    "dvclive": "dvclive",
    "swanlab": "swanlab",
    "trackio": "trackio",
}
METRICS_FILE = "metrics.jsonl"
SUMMARY_FILE = "gitocto-train.json"


def check_trackers(names: list[str]) -> None:
    """Fail early when a --report-to tracker is unknown or its package is not installed."""
    import importlib.util

    for name in names:
        package = TRACKER_PACKAGES.get(name)
        if package is None:
            raise OctoError(f"unknown tracker {name!r} for --report-to; choose from {', '.join(TRACKER_PACKAGES)}")
        if importlib.util.find_spec(package) is None and not (
            name == "tensorboard" and importlib.util.find_spec("tensorboardX") is not None
        ):
            raise OctoError(f"--report-to {name} needs the {package} package: pip install {package}")


def check_output(output: Path, resume: str | None) -> None:
    """Refuse to mix a new run into the output of an earlier one, whose checkpoints and metrics would be lost."""
    if output.exists() and not output.is_dir():
        raise OctoError(f"--output {output} is a file; give a directory")
    earlier = output / METRICS_FILE
    if not resume and (earlier.exists() or (output / "checkpoints").exists()):
        raise OctoError(
            f"{output} already holds a training run; pass --resume to continue it or choose another --output"
        )


def mixed_precision(precision: str, on_cuda: bool) -> str:
    """accelerate's mixed_precision for a --precision value: auto is bf16 on a CUDA device that has it."""
    import torch

    if precision == "auto":
        return "bf16" if on_cuda and torch.cuda.is_bf16_supported() else "no"
    return "no" if precision == "fp32" else precision


def precision_label(precision: str, mixed: str) -> str:
    """The precision a run trains in, as the recipe names it: `fp32`, `bf16`, `fp16`, with `(auto)` when chosen."""
    name = "fp32" if mixed == "no" else mixed
    return f"{name} (auto)" if precision == "auto" else name


def make_optimizer(model: Any, config: TrainConfig) -> Any:
    """AdamW over the trainable weights; matrices decay, biases and norms do not (nanoGPT's grouping)."""
    import torch

    params = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in params if p.ndim >= 2], "weight_decay": config.weight_decay},
        {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0},
    ]
    if config.optim == "adamw_8bit":
        try:
            import bitsandbytes as bnb  # type: ignore[import-not-found]
        except ImportError:
            raise OctoError("optim adamw_8bit needs bitsandbytes: pip install bitsandbytes (CUDA only)") from None
        return bnb.optim.AdamW8bit(groups, lr=config.lr, betas=(0.9, 0.95))
    fused = all(p.is_cuda for p in params)
    return torch.optim.AdamW(groups, lr=config.lr, betas=(0.9, 0.95), fused=fused)


def loss_sum(model: Any, batch: Batch) -> Any:
    """Summed next-token cross entropy over the batch's loss-bearing tokens (in fp32)."""
    import torch.nn.functional as F

    logits = model(**batch.inputs).logits
    return F.cross_entropy(
        logits[:, :-1].flatten(0, 1).float(),
        batch.labels[:, 1:].flatten(),
        ignore_index=IGNORE_INDEX,
        reduction="sum",
    )


class Run:
    """The pieces one run shares between its steps, evaluation and checkpoints."""

    def __init__(self, config: TrainConfig) -> None:
        import transformers
        from accelerate import Accelerator
        from accelerate.utils import set_seed

        transformers.utils.logging.disable_progress_bar()  # type: ignore[no-untyped-call]

        check_trackers(config.report_to)
        self.config = config
        self.output = Path(config.output)
        check_output(self.output, config.resume)
        import torch

        on_cuda = torch.cuda.is_available()
        self.accelerator = Accelerator(
            mixed_precision=mixed_precision(config.precision, on_cuda),
            log_with=config.report_to or None,
            project_dir=str(self.output),
        )
        set_seed(config.seed)
        if self.accelerator.distributed_type == "DEEPSPEED" and config.grad_accum > 1:
            # accelerate lets DeepSpeed step the optimizer after every backward pass.
            raise OctoError("with DeepSpeed use grad_accum 1 (raise batch_size instead)")
        if self.accelerator.distributed_type == "DEEPSPEED":
            set_deepspeed_batch(self.accelerator.state.deepspeed_plugin, config.batch_size, config.grad_accum)
        self.device = self.accelerator.device
        self.attn = attention_backend(config.attn_implementation, self.device.type == "cuda")

    def log(self, message: str) -> None:
        """One line to stderr, from the main process only."""
        if self.accelerator.is_main_process:
            console.note(message, command="train", flush=True)

    def main_says(self, answer: bool) -> bool:
        """The main process's answer, on every process (each may see a different file system)."""
        from accelerate.utils import broadcast_object_list

        if self.accelerator.num_processes == 1:
            return answer
        return bool(broadcast_object_list([answer], from_process=0)[0])

    def batch(self, micro_batch: list[list[Sample]], pad_id: int) -> Batch:
        """Collate a micro-batch and move it to this process's device."""
        return collate(micro_batch, pad_id, self.config.seq_len, self.config.packing, self.attn).to(self.device)


def evaluate(run: Run, model: Any, samples: list[Sample], pad_id: int) -> float:
    """Mean loss per answer token over the eval samples, shared out over the processes."""
    import torch

    from gitocto.train.packing import micro_batches

    acc = run.accelerator
    plan = micro_batches(samples, run.config.batch_size, run.config.seq_len, run.config.packing)
    total = torch.zeros(2, device=run.device, dtype=torch.float64)
    # Every process runs the same number of forward passes (DDP and FSDP forwards are collective); a process
    # with no share left repeats the first micro-batch and does not count it.
    rounds = -(-len(plan) // acc.num_processes)
    model.eval()
    with torch.no_grad():
        for r in range(rounds):
            i = r * acc.num_processes + acc.process_index
            b = run.batch(plan[i if i < len(plan) else 0], pad_id)
            loss = loss_sum(model, b).double()
            if i < len(plan):
                total[0] += loss
                total[1] += b.n_loss
    model.train()
    total = acc.reduce(total, reduction="sum")
    return float(total[0] / total[1])


def train(config: TrainConfig) -> int:
    """Finetune `config.model` on `config.data` and save the result to `config.output`; return the exit code."""
    import torch

    run = Run(config)
    acc = run.accelerator
    tokenizer = load_tokenizer(config.model, config.trust_remote_code)
    new_token_ids = add_format_tokens(tokenizer, formats_used(config))
    # The main process of each machine tokenizes first and fills the sample cache; the others then read it.
    with acc.local_main_process_first():
        corpus = load_corpus(config, tokenizer, show_progress=acc.is_local_main_process)
    report_corpus(run, corpus)
    fingerprint = corpus.fingerprint(config)

    model = load_model(
        config.model,
        attn_implementation=run.attn,
        vocab_size=len(tokenizer),
        trust_remote_code=config.trust_remote_code,
    )
    if config.lora:
        model = apply_lora(
            model, config.lora_r, config.lora_alpha, config.lora_dropout, config.lora_target_modules, new_token_ids
        )
    checkpointing = config.gradient_checkpointing
    if checkpointing if checkpointing is not None else run.device.type == "cuda":
        enable_gradient_checkpointing(model)
    flops = flop_model(model)
    pad_id = int(tokenizer.pad_token_id)
    if acc.distributed_type in ("NO", "MULTI_GPU", "MULTI_CPU"):
        # On the device before the optimizer is built, so AdamW picks its fused CUDA kernel; sharded setups
        # (FSDP, DeepSpeed) place the weights themselves in prepare().
        model.to(run.device)

    per_step = config.grad_accum * acc.num_processes
    # Rounded up: an epoch's last step takes the micro-batches that do not fill a whole step.
    steps_per_epoch = -(-len(corpus.epoch(0, config)) // per_step)
    total_steps = config.max_steps or max(1, round(config.epochs * steps_per_epoch))
    optimizer = make_optimizer(model, config)
    scheduler = make_scheduler(optimizer, config.lr_scheduler, config.warmup_steps, total_steps)
    model, optimizer = acc.prepare(model, optimizer)
    # Not prepared: accelerate would step it once per process; ours counts optimizer steps already.
    acc.register_for_checkpointing(scheduler)

    state = checkpoint.TrainState(fingerprint=fingerprint)
    if config.resume:
        path = checkpoint.resolve(config.resume, run.output)
        state = checkpoint.load(acc, path, fingerprint)
        run.log(f"resumed from {path} at step {state.step} (epoch {state.epoch}, micro-batch {state.micro_batch})")
    peak = config.peak_tflops or (peak_tflops(torch.cuda.get_device_name()) if run.device.type == "cuda" else None)
    run.log(
        f"{total_steps} steps ({steps_per_epoch} per epoch), {flops.trainable_params:,} trainable parameters, "
        f"attention {run.attn}{', packed' if config.packing else ''}, "
        f"precision {precision_label(config.precision, str(acc.mixed_precision))}"
    )
    if config.report_to:
        acc.init_trackers("gitocto-train", config={k: str(v) for k, v in to_yaml_dict(config).items()})

    run.output.mkdir(parents=True, exist_ok=True)
    metrics_path = run.output / METRICS_FILE
    plan = corpus.epoch(state.epoch, config)
    first_step = state.step
    window_tokens = window_loss_tokens = window_attn = 0
    window_start = time.perf_counter()
    last: dict[str, Any] = {}
    model.train()
    while state.step < total_steps:
        if state.micro_batch >= len(plan):
            state.epoch, state.micro_batch = state.epoch + 1, 0
            plan = corpus.epoch(state.epoch, config)
        step_plan = plan[state.micro_batch : state.micro_batch + per_step]
        step_loss_tokens = sum(s.n_loss for mb in step_plan for row in mb for s in row)
        mine = step_plan[acc.process_index :: acc.num_processes]
        # A short last step leaves some processes fewer micro-batches (or none), but every process must run as
        # many forward and backward passes as the others (DDP and FSDP passes are collective): the missing
        # ones repeat the step's first micro-batch with weight 0.
        rounds = -(-len(step_plan) // acc.num_processes)
        lr = scheduler.get_last_lr()[0]
        summed = torch.zeros((), device=run.device, dtype=torch.float64)
        for i in range(rounds):
            counted = i < len(mine)
            b = run.batch(mine[i] if counted else step_plan[0], pad_id)
            sync = contextlib.nullcontext() if i == rounds - 1 else acc.no_sync(model)
            with sync:
                loss = loss_sum(model, b)
                # DDP averages gradients over processes; scaling by their number makes the result a mean per token.
                acc.backward(loss * (acc.num_processes / step_loss_tokens if counted else 0.0))
            if counted:
                summed += loss.detach().double()
                window_tokens += b.n_tokens
                window_attn += b.attn_sq
        if config.max_grad_norm > 0:
            acc.clip_grad_norm_(model.parameters(), config.max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        state.step += 1
        state.micro_batch += len(step_plan)
        window_loss_tokens += step_loss_tokens

        due_log = state.step % config.log_every == 0 or state.step == total_steps
        # Eval every eval_every steps and after the last one, on the same line as the step's metrics.
        due_eval = bool(corpus.eval_samples) and (
            bool(config.eval_every and state.step % config.eval_every == 0) or state.step == total_steps
        )
        if due_log or due_eval:
            last = {"step": state.step}
        if due_log:
            seconds = time.perf_counter() - window_start
            # Every process's tokens: tokens/s is the whole run's, and MFU measures it against every device's peak.
            n_tokens = int(acc.reduce(torch.tensor(window_tokens, device=run.device), reduction="sum"))
            attn_sq = int(acc.reduce(torch.tensor(window_attn, device=run.device), reduction="sum"))
            # Read only when logged: converting to a float waits for the GPU.
            step_loss = float(acc.reduce(summed, reduction="sum")) / step_loss_tokens
            last.update(
                {
                    "epoch": state.epoch,
                    "loss": step_loss,
                    "lr": lr,
                    "tokens_per_s": window_loss_tokens / seconds,
                    "all_tokens_per_s": n_tokens / seconds,
                    "mfu": mfu(flops.step_flops(n_tokens, attn_sq), seconds, peak, acc.num_processes),
                }
            )
            window_tokens = window_loss_tokens = window_attn = 0
        paused = time.perf_counter()
        if due_eval:
            last["eval_loss"] = evaluate(run, model, corpus.eval_samples, pad_id)
        if due_log or due_eval:
            log_metrics(run, metrics_path, last)
        if config.save_every and state.step % config.save_every == 0:
            checkpoint.save(acc, run.output, state, to_yaml_dict(config))
        # Time spent on eval, logging and checkpoints is not training time.
        window_start = time.perf_counter() if due_log else window_start + (time.perf_counter() - paused)

    # Resuming a run that had already finished trains nothing: what that run did for its last step (the final
    # eval line, the saved model) is not done twice. The main process decides, so all processes agree.
    trained = state.step > first_step
    if (
        corpus.eval_samples
        and "eval_loss" not in last
        and (trained or not run.main_says(logged_eval(metrics_path, state.step)))
    ):
        last = {"step": state.step, "eval_loss": evaluate(run, model, corpus.eval_samples, pad_id)}
        log_metrics(run, metrics_path, last)
    if trained or not run.main_says(saved_at(run.output) == state.step):
        finish(run, model, tokenizer, config, corpus, state)
    else:
        run.log(f"the model of step {state.step} is already saved in {run.output}")
    if config.report_to:
        acc.end_training()
    if config.bench and acc.is_main_process:
        return bench_after_training(run.output, config.bench)
    return 0


def report_corpus(run: Run, corpus: Corpus) -> None:
    """Say how many samples each source gave and why records were skipped."""
    describe_loading(corpus, run.log)
    sizes = ", ".join(str(len(g)) for g in corpus.groups)
    run.log(f"{corpus.n_records} records -> {sizes} training samples, {len(corpus.eval_samples)} held out for eval")
    if corpus.skipped:
        reasons = ", ".join(f"{n} {why}" for why, n in corpus.skipped.most_common())
        early = sum(corpus.early.values())
        before = f" ({early} of them by length, before tokenizing)" if early else ""
        run.log(f"skipped {sum(corpus.skipped.values())} records: {reasons}{before}")


def logged_eval(path: Path, step: int) -> bool:
    """Whether metrics.jsonl already holds an eval loss for `step` (from an earlier run into this output)."""
    if not path.is_file():
        return False
    for line in path.read_text(encoding="utf-8").splitlines():
        with contextlib.suppress(json.JSONDecodeError):
            row = json.loads(line)
            if isinstance(row, dict) and row.get("step") == step and "eval_loss" in row:
                return True
    return False


def saved_at(output: Path) -> int | None:
    """The step of the final model saved in `output` (gitocto-train.json is written after it), or None."""
    try:
        summary = json.loads((output / SUMMARY_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    steps = summary.get("steps") if isinstance(summary, dict) else None
    return steps if isinstance(steps, int) else None


def log_metrics(run: Run, path: Path, metrics: dict[str, Any]) -> None:
    """Print one step's metrics, append them to metrics.jsonl and pass them to the trackers."""
    if not run.accelerator.is_main_process:
        return
    parts = []
    for key, value in metrics.items():
        if value is None:
            parts.append(f"{key} n/a")
        elif isinstance(value, float):
            parts.append(f"{key} {value:.4g}" if key != "mfu" else f"mfu {value:.1%}")
        else:
            parts.append(f"{key} {value}")
    run.log(" | ".join(parts))
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(metrics) + "\n")
    if run.config.report_to:
        run.accelerator.log({k: v for k, v in metrics.items() if v is not None}, step=metrics["step"])


def finish(run: Run, model: Any, tokenizer: Any, config: TrainConfig, corpus: Corpus, state: Any) -> None:
    """Save the final model and a summary of the run (config, steps, skips) beside it."""
    acc = run.accelerator
    acc.wait_for_everyone()
    state_dict = acc.get_state_dict(model) if not config.lora else None
    if acc.is_main_process:
        save_final(acc.unwrap_model(model), tokenizer, run.output, config.lora, state_dict)
        summary = {
            "config": to_yaml_dict(config),
            "steps": state.step,
            "epoch": state.epoch,
            "skipped": dict(corpus.skipped),
            "train_samples": [len(g) for g in corpus.groups],
            "eval_samples": len(corpus.eval_samples),
        }
        (run.output / SUMMARY_FILE).write_text(json.dumps(summary, indent=1), encoding="utf-8")
        run.log(f"saved the model to {run.output}")
    acc.wait_for_everyone()
