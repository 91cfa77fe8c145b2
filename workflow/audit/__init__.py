"""workflow.audit."""
