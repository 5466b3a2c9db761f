"""Commit-message suggestions: NNGen retrieval over the repository's own history, or a model backend."""
