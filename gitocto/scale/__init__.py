"""Beyond one machine: extraction on Ray, and the corpus files that dedup and stats read and write."""
