"""workflow.ranking."""
