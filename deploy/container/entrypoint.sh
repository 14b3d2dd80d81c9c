#!/bin/sh
# The image's entry point. Like registry:2's, it takes a config path alone (`docker run berth
# /path/config.yml`) and runs other commands as given (`docker run berth sh`).
#
# Started as root (the default), it hands the data volume to the berth user and drops to it
# before Berth starts: a bind mount that docker creates (`-v ./data:/var/lib/registry`) is
# root's, and registry:2 users expect that command to work. Only the volume's top directory is
# chowned, never a walk of existing data. Started as another user (`--user 10001`, Kubernetes
# runAsUser), it changes nothing and runs Berth as that user.
set -e

case "$1" in
  *.yml | *.yaml) set -- serve "$@" ;;
esac
# Berth's commands by name (`rm` is also a program; Berth's wins), then anything that is no
# program on the PATH, so berth names what it does not know. test/tooling/deploy-files.test.ts
# checks this list against the CLI's command table.
case "$1" in
  serve | config | settings | user | robot | project | policy | quota | usage | retention | token | \
    audit | gc | rm | restore | migrate | import | export | notifications | webhook | version | help | -*)
    set -- berth "$@" ;;
  *)
    if [ "$#" -eq 0 ] || ! command -v "$1" >/dev/null 2>&1; then set -- berth "$@"; fi ;;
esac

if [ "$1" = berth ] && [ "$(id -u)" = 0 ]; then
  data=/var/lib/registry
  if [ -d "$data" ] && [ "$(stat -c %u "$data")" != "$(id -u berth)" ]; then
    chown berth:berth "$data"
  fi
  exec setpriv --reuid=berth --regid=berth --init-groups --inh-caps=-all --bounding-set=-all \
    --no-new-privs -- "$@"
fi
exec "$@"
