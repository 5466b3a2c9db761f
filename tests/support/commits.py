"""A history to learn from and staged oddities, shared by the commit-time tests (msg, fix, hooks)."""

from __future__ import annotations

from tests.support.git_octo import git_run
from tests.support.repos import GitRepo

# Past changes with distinctive words, so the nearest neighbour of a new change is known.
HISTORY: list[tuple[str, dict[str, str]]] = [
    ("Add the parser for config files", {"config.py": "def parse_config(path):\n    return load_yaml(path)\n"}),
    ("Add HTTP retry with backoff", {"net.py": "def fetch(url, retries=3):\n    return backoff_get(url, retries)\n"}),
    ("Document the install steps", {"INSTALL.md": "# Install\n\nRun pip install gitocto.\n"}),
    ("Add a cache for parsed templates", {"cache.py": "def template_cache(name):\n    return lru_store(name)\n"}),
]
SIMILAR_TO_RETRY = {"net.py": "def fetch(url, retries=5):\n    return backoff_get(url, retries, jitter=True)\n"}


def stage_link_and_submodule(repo: GitRepo, library: GitRepo) -> None:
    """Stage a symlink to a .py file whose target text is not Python, and a submodule named like a JS file."""
    library.commit("Library", {"index.js": "module.exports = 1;\n"})
    repo.write({"real.py": "VALUE = 1\n"})
    (repo.path / "lib").mkdir()
    (repo.path / "lib" / "link.py").symlink_to("../real.py")  # staged as the text "../real.py": not Python
    # A gitlink: its staged "contents" are a commit, which `git cat-file blob` cannot show.
    proc = git_run(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library.path), "three.js")
    assert proc.returncode == 0, proc.stderr
    repo.git("add", "-A")
    staged = repo.git("ls-files", "-s", "lib/link.py", "three.js").split()
    assert (staged[0], staged[4]) == ("120000", "160000")
