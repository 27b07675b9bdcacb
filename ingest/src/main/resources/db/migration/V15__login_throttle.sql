-- Outfall storage, version 15: login throttling counts the audit's failed logins, for every ingest
-- instance alike (Logins). These find the newest ones of a user name or an address quickly.
CREATE INDEX access_audit_login_actor ON access_audit (actor, at DESC) WHERE action = 'login';
CREATE INDEX access_audit_login_remote ON access_audit (remote, at DESC) WHERE action = 'login';
