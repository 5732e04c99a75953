"""Identity: owns the officers' user accounts, their institution and their roles."""
