"""`make bench` (python -m scripts.loadtest): the app's speed over a production-sized ledger, a
soak of many people at once, and a fault run. Each module imports only those listed after it, so
the imports run one way (every module also imports common):

    common      where the app is, its settings and wsgi modules, sizes and names, log, percentile
    client      one HTTP request, a signed-in session, a Page loaded by threads
    dataset     the bench network (COPY), the pick-up round, the soak's logins, groups and tenancies
    server      production settings, gunicorn, the CPU meter, worker kills, PostgreSQL stop/start
    pages       <- client, dataset, server: the page table, the sheet POSTs, the CODI report timing
    lighthouse  <- client: Lighthouse on a page, its figures and the goals of issue 16
    soak        <- client: the simulated people, the ledger checks, the soak's report
    faults      <- server, soak: the fault run, its probe and its report
    __main__    <- dataset, pages, lighthouse, server, soak, faults: the options and a main that
                   runs them

Nothing here is imported by the app. Of the tests, only tests/browser/test_lighthouse.py imports
it: lighthouse and server, so that the test and the bench run Lighthouse the same way. Django
models are imported inside the functions that use them, so that every module imports before
django.setup().
"""
