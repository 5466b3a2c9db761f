"""Ray for commands that scale out (extract and dedup): starting or joining a cluster, and its size. The work each
command sends to Ray lives with that command (`gitocto.extract.ray_engine`, `gitocto.dedup`)."""

# Where extract and dedup do their work: in processes on this machine, or on a Ray cluster.
ENGINES = ("local", "ray")
