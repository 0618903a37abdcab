"""The roles a user can hold. A leaf: organisation rules and account pages both name them."""

ADMIN, HR, SUPERVISOR, EMPLOYEE = "admin", "hr", "supervisor", "employee"
#: The Inspektorat: reads everything of its instansi, changes nothing.
AUDITOR = "auditor"
ROLES = (ADMIN, HR, SUPERVISOR, EMPLOYEE, AUDITOR)
