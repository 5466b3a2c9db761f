"""Duplicate removal: exact (by digest) and near (MinHash + LSH), for records held in memory or a whole corpus."""
