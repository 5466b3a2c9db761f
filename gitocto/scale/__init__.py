"""Beyond one machine: extraction on Ray, and the corpus files that dedup and stats read and write."""

# Where extract and dedup do their work: in processes on this machine, or on a Ray cluster.
ENGINES = ("local", "ray")
