"""Builders of real rows for the tests (and bench/), one module per area of workflow/:

    accounts      users of each role, the password they log in with, logging in as one
    path          a programme, towns with their paths, the small two-town `World`,
                  documents, deadlines
    many_towns    a programme of hundreds of towns in one commit (query counts, bench/)
    advice        advisors and experts with profiles, expertise fields, consultation log
                  entries (through the operations or through the advisor's pages)
    services_log  a generated consultation log and the report's numbers computed from it
    evaluation    criteria and sheets, evaluators, their assignments and sheets (directly
                  or through the evaluator's pages)
    ranking       five towns with submitted sheets, ready for a ranking run
    results       an announced result of towns A and B, for appeals and the results pages
    messaging     notifications queued as the application queues them
    authz         every kind of object for towns A and B, for the authorization tests
    api           the indicator base from the real files (a few powiats of the register, the
                  GUS BDL values of their gminas) behind the open API's tests

A builder writes rows the way the application writes them (through the operations, or
straight into the tables where a test needs a state the operations would take long to
reach) and says in its docstring which. Test modules import builders from here and never
from each other; fixtures that several modules share live in tests/conftest.py.
"""
