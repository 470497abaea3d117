#!/bin/sh
# pktmon-privileges.sh HELPER GROUP CAPS - let members of GROUP capture with the capture helper, as
# Debian does for dumpcap: owned by root:GROUP, mode 0750, file capabilities CAPS.
# Used by `cmake --install` and by the .deb's postinst.
set -e
bin=$1 group=$2 caps=$3
if [ "$(id -u)" != 0 ]; then
	echo "pktmon: not root: $bin keeps no capabilities; capture as root" >&2
	exit 1
fi
getent group "$group" >/dev/null || groupadd --system "$group"
chown root:"$group" "$bin"
chmod 0750 "$bin"
if ! setcap "$caps" "$bin"; then
	echo "pktmon: setcap failed (is libcap2-bin installed, does the filesystem keep xattrs?)" >&2
	exit 1
fi
echo "pktmon: members of group '$group' may capture with $bin ($caps)"
