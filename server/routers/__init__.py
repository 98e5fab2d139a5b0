"""HTTP routes: each parses input, calls one domain function, picks a renderer."""
