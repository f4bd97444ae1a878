#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""sarif_check.py FILE [RULE...] - is FILE a SARIF 2.1.0 log as code-scanning
tools read it, with a result for each RULE given? Prints what is wrong and
exits 1; exits 0 when it holds. Structure only (no schema file is packaged
by Debian to check against: see tests/report/check_report_input.c)."""
import json
import re
import sys


def fail(why):
    print("sarif_check: " + why)
    sys.exit(1)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        log = json.load(f)
    if log.get("version") != "2.1.0":
        fail("version is not 2.1.0")
    if "sarif-2.1.0" not in log.get("$schema", ""):
        fail("$schema does not name SARIF 2.1.0")
    runs = log.get("runs")
    if not isinstance(runs, list) or len(runs) != 1:
        fail("runs is not a list of one run")
    driver = runs[0]["tool"]["driver"]
    if driver.get("name") != "tmpjail" or not driver.get("version"):
        fail("the driver has no name or version")
    rules = driver.get("rules")
    if not rules:
        fail("no rules")
    ids = [rule["id"] for rule in rules]
    if len(set(ids)) != len(ids):
        fail("rule ids repeat")
    for rule in rules:
        props = rule.get("properties", {})
        cwes = props.get("cwe", [])
        if not cwes or not all(re.fullmatch(r"CWE-\d+", c) for c in cwes):
            fail("rule %s has no CWE ids" % rule["id"])
        for cwe in cwes:
            if "external/cwe/cwe-" + cwe[4:] not in props.get("tags", []):
                fail("rule %s lacks the tag of %s" % (rule["id"], cwe))
        if not rule.get("shortDescription", {}).get("text"):
            fail("rule %s has no shortDescription" % rule["id"])
        if rule.get("defaultConfiguration", {}).get("level") not in ("error", "warning", "note"):
            fail("rule %s has no default level" % rule["id"])
        float(props.get("security-severity", "x"))
    results = runs[0].get("results")
    if not isinstance(results, list):
        fail("no results list")
    for result in results:
        rule_id, index = result.get("ruleId"), result.get("ruleIndex")
        if rule_id not in ids or ids[index] != rule_id:
            fail("result with rule %r, index %r" % (rule_id, index))
        if result.get("level") not in ("error", "warning", "note"):
            fail("result level %r" % result.get("level"))
        if not result.get("message", {}).get("text"):
            fail("a result has no message")
        locations = result.get("locations")
        if not locations or not locations[0]["physicalLocation"]["artifactLocation"]["uri"]:
            fail("a result has no location")
        if not locations[0]["logicalLocations"][0]["name"]:
            fail("a result has no path pattern")
    for wanted in sys.argv[2:]:
        if not any(r["ruleId"] == wanted for r in results):
            fail("no result of " + wanted)


main()
