"""`git octo stats`: what a corpus of commit records holds, as tables and optional plots."""
