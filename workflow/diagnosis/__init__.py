"""Indicators in every diagnosis (issue 16 item 6, docs/decisions/0040): the applicant's
indicator profile against its peer groups on the diagnosis page (a town's gmina; a
partnership's members and its whole area), its PDF annex, projects' result indicators and the
coordinator's monitoring of the awarded projects' indicators."""
