"""Synthetic instruction data: OSS-Instruct (Magicoder) and WaveCoder, execution-filtered and decontaminated."""
