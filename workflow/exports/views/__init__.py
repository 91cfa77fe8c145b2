"""workflow.exports.views."""
