#!/bin/sh
#
# guest.sh - runs inside the vkernel at boot, from the /etc/rc.local that
# vmkit.sh installs in the vkernel's root image (rc.local then powers the
# vkernel off).  Runs test/testcases through dfregress(8); vmkit.sh copies
# the files left in /root/vmkit out of the image afterwards.

cd /root/vmkit || exit 1
uname -a >uname.txt
sysctl hw.ncpu hw.physmem >sysctl.txt
dfregress -o /root/vmkit/testcases.plist -t /root/vmkit/testcases \
    /root/vmkit/testcases/runlist.run
echo "dfregress exit status $?" >dfregress.txt
dfr2text /root/vmkit/testcases.plist >testcases.txt
sync
