"""workflow.advice."""
