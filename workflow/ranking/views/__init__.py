"""workflow.ranking.views."""
