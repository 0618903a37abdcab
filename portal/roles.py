"""The roles a user can hold. A leaf: organisation rules and account pages both name them."""

ADMIN, HR, SUPERVISOR, EMPLOYEE = "admin", "hr", "supervisor", "employee"
#: The Inspektorat: reads everything of its instansi, changes nothing.
AUDITOR = "auditor"
ROLES = (ADMIN, HR, SUPERVISOR, EMPLOYEE, AUDITOR)
#: Roles that read and never change: a user holding only these is refused every change (access()).
READ_ONLY_ROLES = frozenset({AUDITOR})
#: Who sees everything of their instansi: HR and admins, who also change it, and the auditor.
INSTANSI_READERS = (HR, ADMIN, AUDITOR)
