#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what building and booting the patched kernel needs on a Debian
# bookworm machine.  Idempotent: each step is skipped when already done.
set -euo pipefail

# rustup and cargo live under $HOME; CI may start without it set.
: "${HOME:=$(getent passwd "$(id -u)" | cut -d: -f6)}"
export HOME

BINDGEN_VERSION=0.73.2
APT_PACKAGES=(clang-19 lld-19 llvm-19 libclang-19-dev bc bison flex
	      libelf-dev libssl-dev cpio busybox-static qemu-system-x86
	      xz-utils rsync kmod python3 git e2fsprogs)

log() { echo "install-deps: $*" >&2; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if ((${#missing[@]})); then
	log "apt-get install ${missing[*]}"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -q
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! command -v rustup >/dev/null && [ -x "$HOME/.cargo/bin/rustup" ]; then
	export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
	log "rustup component add rust-src"
	rustup component add rust-src
fi

if ! bindgen --version 2>/dev/null | grep -q "$BINDGEN_VERSION"; then
	log "cargo install bindgen-cli $BINDGEN_VERSION"
	cargo install --locked --version "$BINDGEN_VERSION" bindgen-cli
fi
log "toolchain ready"
