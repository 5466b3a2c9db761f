"""gitocto: mine git histories into training data, finetune and evaluate code models, help at commit time."""

__version__ = "0.1.0"
