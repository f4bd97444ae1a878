# Insecure on purpose: test -e, then '>' on the same name. Expected finding:
# check-then-use (CWE-367).
if [ -e /tmp/app.lock ]; then exit 2; fi
echo locked > /tmp/app.lock
rm -f /tmp/app.lock
