#!/bin/sh
# The gateway's command on the Node bundled beside it, never a system Node (Debian's is too old).
# Reached through /usr/bin and /opt/jiuxiao-gateway/current: resolve the links to find the bundle.
bundle=$(dirname "$(dirname "$(readlink -f "$0")")")

# `boot-guard`: the boot counter of software updates, run by the unit before each start (ExecStartPre),
# in shell so that it works even when the version on trial cannot start Node at all. The files it reads
# and writes are described in gateway/fleet/install-root.ts. A version on trial that has started more
# than three times, or whose deadline has passed, is not healthy: `current` goes back to the version it
# came from, and that version reports why (the `outcome` file).
if [ "${1:-}" = boot-guard ]; then
  root=$(dirname "$bundle")
  trial="$root/trial"
  [ -f "$trial" ] || exit 0
  to=$(sed -n 's/^to=//p' "$trial")
  from=$(sed -n 's/^from=//p' "$trial")
  deadline=$(sed -n 's/^deadline=//p' "$trial")
  if [ "$(basename "$(readlink "$root/current")")" != "$to" ]; then
    # The switch never happened (a power cut between writing the trial and the link): no trial.
    rm -f "$trial" "$root/trial.starts"
    exit 0
  fi
  echo start >>"$root/trial.starts"
  starts=$(wc -l <"$root/trial.starts")
  reason=
  if [ "$starts" -gt 3 ]; then
    reason="not healthy after $((starts - 1)) starts"
  elif [ "$(date +%s)" -gt "${deadline:-0}" ]; then
    reason="its health deadline passed across a restart"
  fi
  [ -n "$reason" ] || exit 0
  if [ ! -f "$root/$from/VERSION" ]; then
    echo "boot-guard: $to is failing its trial but $from is gone: staying on $to" >&2
    exit 0
  fi
  printf 'version=%s\nfrom=%s\nstate=rolled-back\nreason=%s\n' "$to" "$from" "$reason" >"$root/.outcome.new"
  mv -f "$root/.outcome.new" "$root/outcome"
  ln -sfn "$from" "$root/.current.new"
  mv -fT "$root/.current.new" "$root/current"
  rm -f "$trial" "$root/trial.starts" "$root/.update/job.json"
  sync
  echo "boot-guard: software update $to rolled back to $from: $reason" >&2
  exit 0
fi

exec "$bundle/bin/node" "$bundle/dist/gateway/cli/main.js" "$@"
