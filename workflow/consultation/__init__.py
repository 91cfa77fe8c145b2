"""Public consultations of a stage's draft document: publishing, comments, answers, the report."""
