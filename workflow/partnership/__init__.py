"""The small-town partnerships of the CWD programme: a partnership made from TERYT codes
(its leader, members and their accounts: setup), its records (the agreement and the council's
resolutions: records), and its page. The members' approvals of a stage's document and the
path itself are the path area's, with no partnership special case (workflow/path/approvals.py,
states/partnership.py)."""
