# The secure twin of mktemp_u.sh: mktemp creates the file itself.
# Expected: no finding.
name=$(mktemp /tmp/out.XXXXXX) || exit 1
echo data > "$name"
rm -f "$name"
