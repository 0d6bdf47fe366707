"""Ranking: fusion maths (pure), the station's rules, the standards catalogue, filters and facets, the result
types, and one ranker per target that puts them together (rankers.py)."""
