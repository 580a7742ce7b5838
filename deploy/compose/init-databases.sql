-- One database per service, as deploy/local/up creates them (PG_DATABASES in deploy/local/lib.sh).
CREATE DATABASE toegang OWNER jeugdketen;
CREATE DATABASE triage OWNER jeugdketen;
CREATE DATABASE plaatsing OWNER jeugdketen;
CREATE DATABASE ketenmonitor OWNER jeugdketen;
