"""Repository access (pygit2) and git's plumbing streams (`git log --raw -z`, `git cat-file --batch`)."""
