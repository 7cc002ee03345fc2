#!/usr/bin/env bash
# The reflector's flood figures: tests/lab/reflector_flood.sh with the
# flooder at normal priority (NB_FLOOD_NICE=0), so that it sends as fast as
# this machine lets it while the reflector drains it on the same CPUs.
# Prints the packets/s sent, what the reflector received, answered and
# refused, the kernel's receive-buffer drops, bytes in/out, VmRSS before and
# after, and the legitimate peer's counts. The lab test's load-independent
# checks still run.
: "${NB_SRC:?NB_SRC (source directory) must be set}"
NB_FLOOD_NICE=${NB_FLOOD_NICE:-0} exec "$NB_SRC/tests/lab/reflector_flood.sh"
