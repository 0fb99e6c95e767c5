#!/bin/sh
# Installs what the build and the tests need on a fresh Debian machine of this
# project's kind. Idempotent: does nothing when everything is present.
set -eu
pkgs="rustc-web cargo-web rust-web-src libclang-dev bmake libbsd-dev shellcheck valgrind gcovr python3-matplotlib"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
