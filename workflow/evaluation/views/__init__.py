"""workflow.evaluation.views."""
