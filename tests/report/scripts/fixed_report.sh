# Insecure on purpose: a fixed-name report written with '>' (O_CREAT|O_TRUNC,
# no O_EXCL). Expected finding: insecure-create (CWE-377, CWE-59).
echo "total: 42" > /tmp/report.tmp
cat /tmp/report.tmp > /dev/null
rm -f /tmp/report.tmp
