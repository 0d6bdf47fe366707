"""评估需求: reading a demand into a structured need (reader), the request words it relies on (cues), and the
reading shown to people (explain)."""

from engine.demand.explain import describe, understood
from engine.demand.reader import MAX_TEXT, Demand, DemandPart, analyze

__all__ = ["MAX_TEXT", "Demand", "DemandPart", "analyze", "describe", "understood"]
