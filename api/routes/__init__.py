"""Thin routers over the engine: parse, check the caller, call the engine, shape the answer."""
