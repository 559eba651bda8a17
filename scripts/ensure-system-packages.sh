#!/bin/sh
# Install the Debian packages in system-packages.txt that are missing.
# As root: apt-get installs them. Otherwise: print the exact command and fail.
set -eu
here=$(dirname "$0")
missing=""
for pkg in $(grep -v '^#' "$here/system-packages.txt"); do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = "installed" ] || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "installing system packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing
else
    echo "missing system packages:$missing" >&2
    echo "run: sudo apt-get install -y$missing" >&2
    exit 1
fi
