# Insecure on purpose: mktemp -u, the shell's tmpnam: a name that was free
# when mktemp looked, created later by '>'. Expected findings:
# check-then-use (CWE-367) and insecure-create (CWE-377).
name=$(mktemp -u /tmp/out.XXXXXX) || exit 1
echo data > "$name"
rm -f "$name"
