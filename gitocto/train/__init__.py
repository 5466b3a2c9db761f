"""`git octo train`: finetune a causal code LM on commit records and instruction data.

Small parts (config, data, formats, tokenization, packing, model, metrics, checkpoints) and one recipe
(`gitocto.train.recipe.train`) that composes them. Nothing here imports torch at module import time except the
parts that need it, and the CLI imports this package only inside the `train` command.
"""
