#!/bin/sh
# The gateway's command on the Node bundled beside it, never a system Node (Debian's is too old).
# Reached through /usr/bin and /opt/jiuxiao-gateway/current: resolve the links to find the bundle.
bundle=$(dirname "$(dirname "$(readlink -f "$0")")")
exec "$bundle/bin/node" "$bundle/dist/gateway/cli/main.js" "$@"
