# Insecure on purpose: the classic /tmp/name.$$. Expected finding:
# predictable-name (CWE-340), and insecure-create.
echo data > /tmp/job.$$
rm -f /tmp/job.$$
