"""workflow.evaluation."""
