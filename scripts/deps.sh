#!/bin/sh
# Installs what the build and the tests need on a fresh Debian machine of this
# project's kind. Idempotent: does nothing when everything is present.
#
#   sh scripts/deps.sh         the base set (make test)
#   sh scripts/deps.sh qemu    the base set and what make dfly-kernel and
#                              make qemu-test need (docs/qemu.md)
#   sh scripts/deps.sh qemu vkernel   and what make vkernel adds (docs/vkernel.md)
#   sh scripts/deps.sh mutants  the base set and cargo-mutants (make mutants
#                              only; a pinned version, from crates.io)
set -eu
pkgs="rustc-web cargo-web rust-web-src libclang-dev bmake libbsd-dev shellcheck valgrind gcovr python3-matplotlib"
for set in "$@"; do
	case $set in
	# config(8): byacc flex libbsd-dev; the kernels: gcc binutils bmake git;
	# the guest's disks: makefs (UFS image), grub-pc-bin grub-common
	# xorriso mtools (grub-mkrescue); the run: qemu-system-x86.
	qemu) pkgs="$pkgs gcc binutils git byacc flex makefs grub-pc-bin grub-common xorriso mtools qemu-system-x86" ;;
	# make vkernel (docs/vkernel.md): rpcgen for the sysroot's rpc headers.
	vkernel) pkgs="$pkgs rpcsvc-proto" ;;
	# make mutants (docs/mutants.md): cargo-mutants, pinned; not a Debian
	# package (Debian's is older), so `cargo install`, below.
	mutants) mutants=27.1.0 ;;
	*) echo "deps: unknown package set '$set' (known: qemu, vkernel, mutants)" >&2; exit 2 ;;
	esac
done
if [ -n "${mutants:-}" ] && [ "$(cargo mutants --version 2>/dev/null)" != "cargo-mutants $mutants" ]; then
	echo "deps: installing cargo-mutants $mutants (cargo install --locked)"
	cargo install --locked --quiet cargo-mutants --version "$mutants"
fi
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
