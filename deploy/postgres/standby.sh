#!/bin/sh
# The standby: on its first start, copy the primary with pg_basebackup (which also writes
# primary_conninfo and standby.signal), then run as a hot standby. Its cluster_name is the
# name the primary's synchronous_standby_names lists.
set -eu
: "${REPLICATION_PASSWORD:?set QMB_REPLICATION_PASSWORD in .env}"
: "${STANDBY_NAME:?}"
data=/var/lib/postgresql/data/standby
if [ ! -s "$data/PG_VERSION" ]; then
  rm -rf "$data"
  until PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup --host=pg-primary --username=replicator \
      --pgdata="$data" --wal-method=stream --write-recovery-conf --checkpoint=fast; do
    echo "waiting for the primary"
    rm -rf "$data"
    sleep 2
  done
fi
exec postgres -D "$data" -c cluster_name="$STANDBY_NAME" -c hot_standby=on
