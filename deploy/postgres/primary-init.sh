#!/bin/sh
# Run once by the postgres image on the primary's first start (empty volume), as the
# postgres user: the role the standby streams WAL with, allowed from the compose network.
set -eu
: "${REPLICATION_PASSWORD:?set QMB_REPLICATION_PASSWORD in .env}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="$REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
