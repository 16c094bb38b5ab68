"""Helpers shared by both tiers: the CLI runner, the second implementation, hostile targets."""
