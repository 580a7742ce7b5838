"""What people use: the pages and their templates (`pages`), the login and the two roles
(`auth`), the werkgroep's pages over the alerts (`werkgroep`), the audit log of case-level reads
(`audit`) and the audit trail with its page (`audit_trail`). The top room: it may use every
other."""
