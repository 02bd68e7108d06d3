#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Figures 7-8 (use case 1, adding an interface): EU adds mif1 to an IKE SA
# with one Child SA on mif0, the Child SA derived onto mif1 in one
# MIF_ADD_INTERFACE exchange: fig10.sh with one service. fig8.sh adds the
# interface with a new inner address (CFG) in the same exchange.
#
#   tools/vm/run -k debian -m 3072 -t 1500 -- selftests/interop/run.sh fig7.sh
TEST_NAME=fig7 S=1 exec "$(dirname "${BASH_SOURCE[0]}")/fig10.sh"
