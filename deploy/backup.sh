#!/usr/bin/env bash
# Back up the database (pg_dump custom format) and local uploads; keep KEEP_DAYS days.
# Restore: pg_restore --clean --if-exists -d "$DATABASE_URL" salon-<stamp>.dump
# Uploads on S3 are backed up by the bucket's own versioning/replication (docs/deploy.md).
set -euo pipefail
: "${DATABASE_URL:?DATABASE_URL must be set (the salon env file)}"
BACKUP_DIR="${BACKUP_DIR:-/srv/salon/backups}"
MEDIA_ROOT="${MEDIA_ROOT:-/srv/salon/media}"
KEEP_DAYS="${KEEP_DAYS:-14}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$BACKUP_DIR"
pg_dump --format=custom --no-owner --file="$BACKUP_DIR/salon-$stamp.dump.partial" "$DATABASE_URL"
mv "$BACKUP_DIR/salon-$stamp.dump.partial" "$BACKUP_DIR/salon-$stamp.dump"
if [ -z "${AWS_STORAGE_BUCKET_NAME:-}" ] && [ -d "$MEDIA_ROOT" ]; then
  tar -C "$(dirname "$MEDIA_ROOT")" -czf "$BACKUP_DIR/media-$stamp.tar.gz" "$(basename "$MEDIA_ROOT")"
fi
find "$BACKUP_DIR" -maxdepth 1 -name 'salon-*.dump' -mtime +"$KEEP_DAYS" -delete
find "$BACKUP_DIR" -maxdepth 1 -name 'media-*.tar.gz' -mtime +"$KEEP_DAYS" -delete
echo "backup done: $BACKUP_DIR/salon-$stamp.dump"
