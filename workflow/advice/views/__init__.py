"""workflow.advice.views."""
