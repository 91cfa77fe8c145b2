"""workflow.exports."""
