#!/usr/bin/env python3
"""Writes a "next" service reference for the sync rehearsal: the committed
test copy as AWS might publish it weeks later, with services added, services
retired and actions added to existing services.

    next-reference.py WORKSPACE OUT

Prints the added and the removed services, one `added NAME` / `removed NAME`
per line. The retired services are the two with the fewest actions that no
test input outside the `real/` snapshot group names, so that the rehearsal
checks that the tests do not depend on the catalog's contents, not that they
survive losing a service they are about.
"""

import json
import os
import shutil
import subprocess
import sys

workspace, out = sys.argv[1], sys.argv[2]
source = os.path.join(workspace, "catalog/tests/data/service-reference")
if os.path.exists(out):
    shutil.rmtree(out)
shutil.copytree(source, out)

with open(os.path.join(out, "index.json")) as f:
    index = json.load(f)
newest = max(e.get("modified", 0) for e in index)
later = newest + 7 * 86400


def service_file(name):
    return os.path.join(out, "v1", name, name + ".json")


def action(name, write=False, listing=False, tracked=True):
    return {
        "Name": name,
        "Annotations": {
            "Properties": {
                "IsList": listing,
                "IsPermissionManagement": False,
                "IsTaggingOnly": False,
                "IsWrite": write,
            }
        },
        "SupportedBy": {
            "IAM Access Analyzer Policy Generation": False,
            "IAM Action Last Accessed": tracked,
        },
    }


def mentioned(name):
    """Whether a test input outside `real/` names the service."""
    paths = ["cli", "engine", "snapshots/cases", "snapshots/fixtures", "examples",
             "catalog/tests/it", "catalog-sync/tests", "xtask", "fuzz"]
    found = subprocess.run(
        ["grep", "-rqiw", "--exclude-dir=real", "--", name] + paths,
        cwd=workspace,
    )
    return found.returncode == 0


# Retire two services.
sizes = []
for entry in index:
    with open(service_file(entry["service"])) as f:
        sizes.append((len(json.load(f)["Actions"]), entry["service"]))
removed = [name for _, name in sorted(sizes) if not mentioned(name)][:2]
for name in removed:
    shutil.rmtree(os.path.join(out, "v1", name))
index = [e for e in index if e["service"] not in removed]

# Add actions to two existing services, as AWS does every week.
for name, actions in [
    ("s3", [action("GetRehearsalReport"), action("PutRehearsalReport", write=True),
            action("ListRehearsalReports", listing=True)]),
    ("ec2", [action("DescribeRehearsals", listing=True, tracked=False)]),
]:
    with open(service_file(name)) as f:
        data = json.load(f)
    data["Actions"].extend(actions)
    with open(service_file(name), "w") as f:
        json.dump(data, f)
    for entry in index:
        if entry["service"] == name:
            entry["modified"] = later

# Launch two services.
added = ["pare-rehearsal-alpha", "pare-rehearsal-beta"]
for name in added:
    os.makedirs(os.path.join(out, "v1", name))
    with open(service_file(name), "w") as f:
        json.dump({"Name": name, "Version": "v1.0",
                   "Actions": [action("DescribeThing", listing=True),
                               action("CreateThing", write=True)]}, f)
    index.append({"service": name,
                  "url": f"https://servicereference.us-east-1.amazonaws.com/v1/{name}/{name}.json",
                  "modified": later})
index.sort(key=lambda e: e["service"])
with open(os.path.join(out, "index.json"), "w") as f:
    json.dump(index, f, indent=2)

for name in added:
    print("added", name)
for name in removed:
    print("removed", name)
