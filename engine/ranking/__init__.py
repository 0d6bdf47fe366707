"""Ranking: pure fusion maths, the station's rules, and the searcher that puts them together."""
