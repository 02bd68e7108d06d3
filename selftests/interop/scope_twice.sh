#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Scope, the same peer twice: scope.sh's second case (EU's connections a
# and b to one SG, two IKE SAs on one address pair; a's Child SAs move
# and are deleted, b's stay), in a file of its own to stay within
# run.sh's time for a file.
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh scope_twice.sh
TEST_NAME=scope_twice SCOPE=twice exec "$(dirname "${BASH_SOURCE[0]}")/scope.sh"
