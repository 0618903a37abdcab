"""The Log audit: reading the audit trail (the `/audit/` page, its CSV export, `flask audit`).

It sits above the features: it reads their tables (the appraisal record audit, employees,
units, periods, accounts), while they write to the trail through the leaf `portal.audit`.
"""
