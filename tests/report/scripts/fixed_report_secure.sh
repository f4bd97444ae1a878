# The secure twin of fixed_report.sh: mktemp makes the file (O_EXCL, 0600);
# '>' then opens a file that is already ours. Expected: no finding.
report=$(mktemp /tmp/report.XXXXXX) || exit 1
echo "total: 42" > "$report"
cat "$report" > /dev/null
rm -f "$report"
