"""workflow.accounts."""
