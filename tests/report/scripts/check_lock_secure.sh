# The secure twin of check_lock.sh: with set -C (noclobber) bash opens with
# O_EXCL, so the open is the check. Expected: no finding.
umask 077
set -C
echo locked > /tmp/app.lock || exit 2
rm -f /tmp/app.lock
