"""Source-code helpers shared across capabilities: tree-sitter parsers for the languages gitocto knows."""
