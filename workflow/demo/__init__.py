"""workflow.demo."""
