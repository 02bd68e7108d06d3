#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The xfrm_mif family: registered on load, per netns, admin-only, gone on
# unload.
source "$(dirname "$0")/lib.sh"

require_root
require_cmd ip unshare setpriv

check "module loads" load_module
check "family is registered" sh -c '"$0" -j info >/dev/null' "$MIFCTL"
check "info reports version 1" sh -c '"$0" -j info | grep -q "\"version\":1"' "$MIFCTL"

make_netns ns
check "family is reachable from another netns" ip netns exec "$ns" "$MIFCTL" info

# Admin-only: an unprivileged user in the initial namespaces is refused, and
# so is a user namespace that does not own the network namespace.
check_fails "unprivileged caller refused" setpriv --reuid=65534 --regid=65534 --clear-groups "$MIFCTL" info
check "unprivileged caller gets EPERM" sh -c 'setpriv --reuid=65534 --regid=65534 --clear-groups "$0" info 2>&1 | grep -q "Operation not permitted"' "$MIFCTL"
check_fails "user namespace without its netns refused" unshare -U -r "$MIFCTL" info
check "user namespace owning its netns allowed" unshare -U -r -n "$MIFCTL" info
# Its root reaches no network namespace of the initial user namespace:
# not its dumps, nor its events (docs/security.md). A refusal comes at
# once; an accepted monitor waits for an event until the timeout, which is
# long enough for a process start in the debug kernel under load.
check "user namespace: another's netns dump refused with EPERM" sh -c \
	'ip netns exec "$0" unshare -U -r "$1" show 2>&1 | grep -q "Operation not permitted"' "$ns" "$MIFCTL"
check "user namespace: another's netns events refused" sh -c \
	'timeout 30 ip netns exec "$0" unshare -U -r "$1" monitor count 1 >/dev/null 2>&1
	 rc=$?; [ $rc -ne 0 ] && [ $rc -ne 124 ]' "$ns" "$MIFCTL"

check "module unloads" unload_module
check "family gone after unload" sh -c '"$0" info; [ $? -eq 3 ]' "$MIFCTL"
check "module reloads" load_module
check "module unloads again" unload_module

ksft_exit
