#!/bin/bash
# quickstart.sh - install, build, and run the main job: a real capture of a real drop.
# Two namespaces joined by a veth pair, an nft rule in one of them dropping ICMP echo
# requests on INPUT, a ping from the other; pktmon captures it and tshark, with our
# plugin, shows where the ping went and why it died. Needs root.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup.sh"
exec "$top/scripts/demo.sh"
