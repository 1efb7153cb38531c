"""The scale data generator behind ``manage.py gen_data`` (issue #6): a realistic company of any
size, written in bulk for benchmarks.

    names      Chinese people, companies, addresses, phones and credit codes
    clock      time as ints, seasons, the Spring Festival
    context    the plan (sizes), what the parts share
    org        units, people and logins
    catalog    categories and products
    customers  the customer book, contacts, tags, pool; drives pipeline and leads per customer
    pipeline   opportunities, stage changes, needs, proposed products, activities
    leads      converted and open leads with their touches
    orders     orders, lines, instalments, payments, allocations, shipments, credits
    service    tickets and their log
    planning   this year's cascaded targets
    writer     COPY / executemany in batches
    database   migrate, reset, indexes off and on, sequences, ANALYZE
    run        one run, end to end
"""
