"""Identity: owns the officers' accounts (institution and roles), their logins and sessions, and the audit trail."""
