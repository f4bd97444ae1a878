# The secure twin of pid_names.sh: mktemp's random name. Expected: no finding.
job=$(mktemp /tmp/job.XXXXXX) || exit 1
echo data > "$job"
rm -f "$job"
