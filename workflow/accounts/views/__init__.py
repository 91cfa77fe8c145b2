"""workflow.accounts.views."""
