# The secure twin of world_spool.sh: the file keeps mktemp's 0600.
# Expected: no finding.
spool=$(mktemp /tmp/spool.XXXXXX) || exit 1
echo job > "$spool"
rm -f "$spool"
