# Insecure on purpose: a spool file opened up to every user. Expected
# finding: loose-permissions (CWE-276, CWE-379).
spool=$(mktemp /tmp/spool.XXXXXX) || exit 1
chmod 0644 "$spool"
rm -f "$spool"
