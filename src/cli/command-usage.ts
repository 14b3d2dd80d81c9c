/**
 * The usage text of every top-level `berth` command, apart from the code that runs it:
 * command-table.ts answers `--help` from here and imports a command's module only when that
 * command runs, so `berth gc --help` or `berth --version` does not load the server, the AWS SDK
 * or the database (the management commands' texts are in commands/manage-usage.ts).
 */

export const SERVE_USAGE = `Usage: berth serve [--config FILE | FILE] [--workers N]

Starts the registry and serves until SIGTERM or SIGINT, then finishes in-flight requests.
Without a config it listens on :5000 and keeps its data in ./data; with auth: builtin (the
default) it creates a system admin on the first start.

  --config FILE   the YAML config (registry:2's form, a FILE argument, works too)
  --workers N     processes serving the one port and data (http.workers,
                  REGISTRY_HTTP_WORKERS); default 0: one per core but one,
                  at least 1; 1: a single process

Environment: the registry:2 names work (REGISTRY_HTTP_ADDR, REGISTRY_HTTP_TLS_CERTIFICATE,
REGISTRY_HTTP_TLS_KEY, REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY, REGISTRY_STORAGE_DELETE_ENABLED,
REGISTRY_LOG_LEVEL, …) and override the file; see docs/configuration.md.`;

export const CONFIG_USAGE = `Usage: berth config check FILE

Validates a config file as berth serve would read it (with the REGISTRY_* environment), and
the files it names, reporting every problem; exits 1 when there is one.`;

export const VERSION_USAGE = `Usage: berth version   (or berth --version)

Prints the version of Berth.`;

export const HELP_USAGE = `Usage: berth help [COMMAND]

Lists the commands, or prints one command's usage (the same as berth COMMAND --help).`;

export const GC_USAGE = `Usage: berth gc [--dry-run] [--now [--yes]] [--grace DURATION] [--full] [--json] [--config FILE]

Removes untagged manifests nothing needs, blobs no manifest references, and repositories
deleted with \`berth rm\` once nothing in them lives, while the registry keeps serving.
Deleted tags and repositories stay restorable (\`berth restore\`) for the restore window
(lifecycle.restorewindow, 24h), and what became unreferenced waits for the grace period; the
report says what was held back, why, and until when.

  --dry-run         report what would be removed; remove nothing
  --now             free it now: end the restore window of every deleted tag and repository
                    (they can no longer be restored) and remove what was deleted without
                    waiting for the grace period. Content a push may still be building on
                    keeps the grace: blobs uploaded or linked, and manifests pushed untagged,
                    within it that no manifest has referenced since and that lost nothing.
                    Tagged content, and what tagged content references, never goes.
                    Asks for confirmation on a terminal.
  --yes             with --now: do not ask (required when stdin is not a terminal)
  --grace DURATION  leave alone what is younger than this (default lifecycle.gc.grace, 1h)
  --full            examine the whole registry, not only what deletes recorded (slower)
  --json            print the report as JSON`;

export const RM_USAGE = `Usage: berth rm REPOSITORY[:TAG|@DIGEST] [--config FILE]

  REPOSITORY         delete every tag (each restorable); the collector removes the rest
  REPOSITORY:TAG     delete one tag (restorable with \`berth restore\`)
  REPOSITORY@DIGEST  delete a manifest and its tags (final)`;

export const RESTORE_USAGE = `Usage: berth restore REPOSITORY:TAG [--config FILE]
       berth restore --list REPOSITORY [--config FILE]

Puts a deleted tag back on the manifest it named, within lifecycle.restorewindow.`;

export const MIGRATE_USAGE = `Usage: berth migrate --to CONFIG [--online] [--json] [--config FILE]

Copies this registry (the data berth serve would use with --config FILE and the REGISTRY_* /
BERTH_* environment) into the one CONFIG describes, typically from the embedded SQLite file and
blob tree into PostgreSQL (database.url) and S3 (storage.s3). CONFIG is read as written, without
the environment. First every blob, each verified by its digest on the way; then, in one
transaction, all metadata: users, projects, members, robots, tokens, browser sessions,
policies, quotas, retention rules, repositories, manifests, tags, deleted tags, usage, audit
log, settings, descriptions and stars. Unfinished uploads are not copied (clients push again).
The token signing key is copied too when CONFIG's data directory has none, so tokens stay valid.

Run it again after an interruption (Ctrl-C, kill, a lost connection): blobs already copied and
verified are skipped, and the metadata is imported again as a whole. Re-running a finished
migration moves nothing new. A destination that holds another registry is refused.

  --to CONFIG   the destination's config file (required)
  --online      copy while a Berth serves this registry (refused otherwise); then stop it and
                run again without --online: that final pass moves only what changed
  --json        print the summary as JSON`;

export const IMPORT_USAGE = `Usage: berth import registry2 DIR [--copy] [--json] [--config FILE]
       berth import registry2 s3://BUCKET[/ROOTDIRECTORY] [--s3-endpoint URL] [--s3-region R] [--json]
       berth import oci DIR|FILE.tar --to REPOSITORY [--json] [--config FILE]

Imports a registry:2 (Distribution) filesystem storage root: DIR is the directory registry:2
had as rootdirectory (mounted at /var/lib/registry), the one holding docker/registry/v2/. Every
repository, every manifest (tagged or not: untagged ones stay pullable by digest) and every tag
as its current/link names it; a tag registry:2 deleted stays deleted. Every blob is verified by
its digest. Blobs are hard-linked into the blob store when both are on one filesystem (their
write permission bits are removed, so neither side can change the shared bytes in place), copied
otherwise or with --copy. Works while berth serve runs on the same data. Run it again after an
interruption: what is already imported is skipped. Unfinished uploads are not imported.

From S3: the bucket and rootdirectory of registry:2's storage.s3; --s3-endpoint is its
regionendpoint (for S3-compatible servers; path-style requests). Keys are read from
AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the AWS SDK's other usual places). Blobs are
copied (and verified) from the bucket.

With auth: builtin, a repository's first name component becomes a private project when it is
not one yet (team/app lands in project team), as a first push would create it.

berth import oci reads an OCI image layout (a directory, or a tar of one, as berth export,
skopeo copy ... oci:DIR:TAG or oci-archive: write) into REPOSITORY: every index.json entry with
what it reaches, tagged by its org.opencontainers.image.ref.name (the part after the last ':').
Symbolic links in the layout and tar entries outside it are refused; index.json may be at most
4 MiB. Blobs are copied and verified.

  --copy            registry2: copy blob bytes even when a hard link is possible
  --s3-endpoint URL registry2 from s3://: the S3-compatible endpoint
  --s3-region R     registry2 from s3://: the region (us-east-1)
  --to REPOSITORY   oci: the repository to import into (required)
  --json            print the summary as JSON`;

export const EXPORT_USAGE = `Usage: berth export REPOSITORY[:TAG]... --to DIR|FILE.tar [--config FILE]

Writes the named tags (every tag of a REPOSITORY given without one) as an OCI image layout:
a new or empty DIR, or a new FILE.tar. Each tag is an index.json entry named by the
org.opencontainers.image.ref.name annotation: the tag itself when every reference is in one
repository (skopeo copy oci:DIR:TAG ...), REPOSITORY:TAG when several are exported together.
Blobs shared by several images are written once. Referrers (signatures, SBOMs) are not included.

  --to DIR|FILE.tar   where to write the layout (required; a name ending in .tar is an archive)`;

export const NOTIFICATIONS_USAGE = `Usage: berth notifications [--limit N] [--json] [--config FILE]

Shows each notification endpoint (notifications.endpoints) with the events waiting for it and
its latest deliveries: when, HTTP status (0: no answer), latency, which attempt, and why an
attempt failed. The log keeps notifications.queue.logretention (7 days).

  --limit N   deliveries shown per endpoint (default 10, at most 1000)
  --json      print JSON`;
