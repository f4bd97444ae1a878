#!/bin/sh
# SPDX-License-Identifier: MIT
# cpython_suites.sh LAUNCHER SCRATCH: CPython's own file-system test suites
# run with every process trapped (tmpjail --trap all), compared with a
# native run: the same tests must run, skip and pass. Both runs are in a
# private mount namespace with a fresh tmpfs on /tmp and /var/tmp, which
# must be empty after the trapped run (nothing reached the "real" /tmp).
# Exit 77 (skip) without CPython's test package or a mount namespace.
set -u
launcher=$(realpath "$1") scratch=$2
py=/usr/bin/python3
suites="test_tempfile test_shutil test_glob test_pathlib test_posixpath test_fileio test_os"
if ! "$py" -c 'import test.support, test.test_tempfile' 2>/dev/null; then
	echo "needs CPython's test package (Debian: libpython3.11-testsuite)"
	exit 77
fi
if ! unshare --mount --propagation private true 2>/dev/null; then
	echo "needs root for a private mount namespace"
	exit 77
fi
rm -rf "$scratch" && mkdir -p "$scratch" || exit 1

# run NAME CMD...: CMD in a fresh namespace; its output in $scratch/NAME,
# what it left in /tmp and /var/tmp in $scratch/NAME.left.
run() {
	name=$1
	shift
	unshare --mount --propagation private sh -c '
		out=$1 && shift &&
		mount -t tmpfs tmpfs /tmp && mount -t tmpfs tmpfs /var/tmp &&
		mkdir -p "$out.cwd" && cd "$out.cwd" || exit 99
		"$@" > "$out" 2>&1
		echo "exit $?" >> "$out"
		ls -A /tmp /var/tmp | grep -v "^/.*:$" | grep -v "^$" > "$out.left"' \
		sh "$scratch/$name" "$@"
}
# shellcheck disable=SC2086
run native "$py" -m test -v --junit-xml "$scratch/native.xml" $suites
# shellcheck disable=SC2086
run trapped "$launcher" --trap all -- "$py" -m test -v --junit-xml "$scratch/trapped.xml" $suites

# Each test's id and outcome ("test.test_x.Class.test_y ok"), sorted. From
# the JUnit file, not the -v text, where a warning printed mid-test splits
# a test's line from its outcome.
outcomes() {
	"$py" - "$1" <<'EOF' | sort
import sys, xml.etree.ElementTree as ET
for case in ET.parse(sys.argv[1]).iter("testcase"):
    kinds = [c.tag for c in case if c.tag in ("failure", "error", "skipped")]
    print(case.get("name"), kinds[0] if kinds else "ok")
EOF
}
status=0
for name in native trapped; do
	if ! grep -q 'Tests result: SUCCESS' "$scratch/$name"; then
		echo "$name run failed:"
		grep -E 'FAIL|ERROR' "$scratch/$name" | head -20
		tail -5 "$scratch/$name"
		status=1
	fi
	outcomes "$scratch/$name.xml" > "$scratch/$name.outcomes" || status=1
done
count=$(wc -l < "$scratch/native.outcomes")
if [ "$count" -lt 500 ] || ! cmp -s "$scratch/native.outcomes" "$scratch/trapped.outcomes"; then
	echo "outcomes differ ($count tests natively):"
	diff "$scratch/native.outcomes" "$scratch/trapped.outcomes" | head -20
	status=1
fi
if [ -s "$scratch/trapped.left" ]; then
	echo "left in the real /tmp or /var/tmp by the trapped run:"
	cat "$scratch/trapped.left"
	status=1
fi
[ $status -eq 0 ] && echo "$count tests: the same outcomes trapped as natively; nothing left in /tmp"
exit $status
