"""Retrieval indexes: BM25 over tokens, dense vectors in FAISS, saved as a folder of files plus a manifest."""
