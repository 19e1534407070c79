#!/usr/bin/env python3
"""A fake `aws` for the tests of apply.sh and rollback.sh: a small IAM model
that keeps its state in a JSON file.

Environment:
  FAKE_IAM       the state file (required). When it does not exist yet, it is
                 seeded from FAKE_IAM_SEED, the output of
                 `aws iam get-account-authorization-details`.
  AWS_LOG        if set, every call is appended to it: the arguments, each
                 followed by U+001F, one call a line (a line break inside an
                 argument written as `\n`).

It answers the IAM commands the scripts use, the way the AWS CLI does:
documents come back as JSON values, `--query` is evaluated (only the
JMESPath forms the scripts write: a dotted path, `PATH == LITERAL` and
`contains(AttachedPolicies[].PolicyArn, LITERAL)`; anything else fails the
call loudly), errors go to stderr as `An error occurred (Code) ...` with
exit 254. `aws fake-dump` prints the state without its version counters.
Every `file://` argument must be a file under the current directory.

Several accounts: with FAKE_IAM_PROFILES (a directory) set instead, every
call must carry `--profile NAME` (anywhere, as the AWS CLI takes it); the
state of that profile's account is `NAME.json` there, seeded from
`NAME.seed.json`. A call without a profile fails as the AWS CLI does
without credentials. `aws sts get-caller-identity` answers the account of
the state (its principals' ARNs).

Identity Center: a seed may hold `PermissionSets`, `{ARN: INLINE_TEXT}`;
`aws sso-admin` then answers get-inline-policy-for-permission-set,
put-inline-policy-to-permission-set (the file's text, as the AWS CLI sends
it), delete-inline-policy-from-permission-set, provision-permission-set and
list-accounts-for-provisioned-permission-set (each permission set remembers
whether its latest policy is provisioned).
"""

import json
import os
import re
import sys
import urllib.parse

KINDS = {"role": "RoleDetailList", "user": "UserDetailList", "group": "GroupDetailList"}


class AwsError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def document(value):
    """A details document: a JSON value, or URL-encoded JSON text."""
    if isinstance(value, str):
        try:
            return json.loads(urllib.parse.unquote(value))
        except ValueError:
            # The details may hold a document IAM would never return
            # (fixtures do, on purpose): kept as the text it is.
            return value
    return value


def seed(details):
    state = {"account": "111122223333", "entities": {}, "policies": {}, "counters": {}}
    for kind, key in KINDS.items():
        for entry in details.get(key, []):
            name = entry[kind.capitalize() + "Name"]
            arn = entry.get("Arn", "")
            if arn.count(":") >= 5 and arn.split(":")[4]:
                state["account"] = arn.split(":")[4]
            inline = {p["PolicyName"]: document(p["PolicyDocument"])
                      for p in entry.get(kind.capitalize() + "PolicyList", [])}
            attached = [p["PolicyArn"] for p in entry.get("AttachedManagedPolicies", [])]
            state["entities"][f"{kind}/{name}"] = {"inline": inline, "attached": attached}
    state["permission_sets"] = {arn: {"inline": text, "provisioned": True}
                                for arn, text in details.get("PermissionSets", {}).items()}
    for policy in details.get("Policies", []):
        versions = {}
        default = policy.get("DefaultVersionId")
        for v in policy.get("PolicyVersionList", []):
            if "Document" in v:
                versions[v["VersionId"]] = document(v["Document"])
            if v.get("IsDefaultVersion"):
                default = v["VersionId"]
        state["policies"][policy["Arn"]] = {
            "name": policy["PolicyName"], "default": default, "versions": versions}
        state["counters"][policy["Arn"]] = max(
            [number(v) for v in versions] + [0])
    return state


def number(version):
    try:
        return int(version.lstrip("vV"))
    except ValueError:
        return 0


def options(args):
    """`--name value` and `--name=value` pairs; flags map to True."""
    out = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("--"):
            raise AwsError("Usage", f"unexpected argument {arg!r}")
        if "=" in arg:
            name, value = arg.split("=", 1)
            out[name] = value
        elif arg == "--set-as-default":
            out[arg] = True
        else:
            if i + 1 >= len(args):
                raise AwsError("Usage", f"{arg} needs a value")
            out[arg] = args[i + 1]
            i += 1
        i += 1
    return out


def read_file(value):
    if not value.startswith("file://"):
        raise AwsError("Usage", "documents come from files")
    path = value[len("file://"):]
    real = os.path.realpath(path)
    if not os.path.isfile(path) or not real.startswith(os.path.realpath(os.getcwd()) + os.sep):
        raise AwsError("Usage", f"no file {path} under the current directory")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def read_raw(value):
    """A `file://` argument's text, as the AWS CLI passes a string parameter."""
    if not value.startswith("file://"):
        raise AwsError("Usage", "documents come from files")
    path = value[len("file://"):]
    real = os.path.realpath(path)
    if not os.path.isfile(path) or not real.startswith(os.path.realpath(os.getcwd()) + os.sep):
        raise AwsError("Usage", f"no file {path} under the current directory")
    with open(path, encoding="utf-8") as f:
        return f.read()


def sso(state, command, o):
    sets = state.setdefault("permission_sets", {})
    arn = o["--permission-set-arn"]
    if not o["--instance-arn"].startswith("arn:aws:sso:::instance/"):
        raise AwsError("ValidationException", "bad instance ARN")
    if arn not in sets:
        raise AwsError("ResourceNotFoundException", f"Could not find PermissionSet with ID {arn}")
    ps = sets[arn]
    if command == "get-inline-policy-for-permission-set":
        return {"InlinePolicy": ps["inline"]}
    if command == "put-inline-policy-to-permission-set":
        ps["inline"] = read_raw(o["--inline-policy"])
        ps["provisioned"] = False
        return None
    if command == "delete-inline-policy-from-permission-set":
        ps["inline"] = ""
        ps["provisioned"] = False
        return None
    if command == "list-accounts-for-provisioned-permission-set":
        accounts = ps.get("accounts", ["111111111111"])
        if o.get("--provisioning-status") == "LATEST_PERMISSION_SET_NOT_PROVISIONED":
            accounts = [] if ps["provisioned"] else accounts
        return {"AccountIds": accounts}
    if command == "provision-permission-set":
        if o["--target-type"] != "ALL_PROVISIONED_ACCOUNTS":
            raise AwsError("Usage", "the fake provisions to ALL_PROVISIONED_ACCOUNTS only")
        ps["provisioned"] = True
        return {"PermissionSetProvisioningStatus": {"Status": "IN_PROGRESS", "RequestId": "r-1"}}
    raise AwsError("Usage", f"the fake does not know `sso-admin {command}`")


def literal(text):
    """A JMESPath literal's JSON, as jmespath reads it."""
    return json.loads(text.replace("\\`", "`"))


def query(result, expression):
    if expression == "length(AccountIds)":
        return len(result["AccountIds"])
    m = re.fullmatch(r"contains\(AttachedPolicies\[\]\.PolicyArn, `(.*)`\)", expression, re.S)
    if m:
        return literal(m.group(1)) in [p["PolicyArn"] for p in result["AttachedPolicies"]]
    m = re.fullmatch(r"([A-Za-z.]+) == `(.*)`", expression, re.S)
    if m:
        return path(result, m.group(1)) == literal(m.group(2))
    if re.fullmatch(r"[A-Za-z.]+", expression):
        return path(result, expression)
    raise AwsError("Usage", f"the fake does not know the query {expression!r}")


def path(value, dotted):
    for key in dotted.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def render(value, output):
    if output == "text":
        if isinstance(value, bool):
            return "True" if value else "False"
        if isinstance(value, (dict, list)):
            raise AwsError("Usage", "the fake renders only scalars as text")
        return "None" if value is None else str(value)
    return json.dumps(value, indent=4)


def entity(state, kind, name):
    key = f"{kind}/{name}"
    if key not in state["entities"]:
        raise AwsError("NoSuchEntity", f"The {kind} with name {name} cannot be found.")
    return state["entities"][key]


def policy(state, arn):
    if arn not in state["policies"]:
        raise AwsError("NoSuchEntity", f"Policy {arn} does not exist or is not attachable.")
    return state["policies"][arn]


def attachment_count(state, arn):
    return sum(arn in e["attached"] for e in state["entities"].values())


def run(state, command, o):
    m = re.fullmatch(r"(get|put|delete)-(role|user|group)-policy", command)
    if m:
        verb, kind = m.groups()
        owner = entity(state, kind, o[f"--{kind}-name"])
        name = o["--policy-name"]
        if verb == "put":
            owner["inline"][name] = read_file(o["--policy-document"])
            return None
        if name not in owner["inline"]:
            raise AwsError("NoSuchEntity", f"The {kind} policy with name {name} cannot be found.")
        if verb == "delete":
            del owner["inline"][name]
            return None
        return {f"{kind.capitalize()}Name": o[f"--{kind}-name"], "PolicyName": name,
                "PolicyDocument": owner["inline"][name]}
    m = re.fullmatch(r"(attach|detach)-(role|user|group)-policy|list-attached-(role|user|group)-policies",
                     command)
    if m:
        kind = m.group(2) or m.group(3)
        owner = entity(state, kind, o[f"--{kind}-name"])
        if m.group(3):
            return {"AttachedPolicies": [
                {"PolicyName": state["policies"].get(a, {}).get("name", a.rsplit("/", 1)[-1]),
                 "PolicyArn": a} for a in owner["attached"]]}
        arn = o["--policy-arn"]
        if m.group(1) == "attach":
            policy(state, arn)
            if arn not in owner["attached"]:
                owner["attached"].append(arn)
        else:
            if arn not in owner["attached"]:
                raise AwsError("NoSuchEntity", f"Policy {arn} was not found.")
            owner["attached"].remove(arn)
        return None
    if command == "get-policy":
        arn = o["--policy-arn"]
        p = policy(state, arn)
        return {"Policy": {"PolicyName": p["name"], "Arn": arn, "DefaultVersionId": p["default"],
                           "AttachmentCount": attachment_count(state, arn)}}
    if command == "get-policy-version":
        p = policy(state, o["--policy-arn"])
        version = o["--version-id"]
        if version not in p["versions"]:
            raise AwsError("NoSuchEntity", f"Policy version {version} does not exist.")
        return {"PolicyVersion": {"Document": p["versions"][version], "VersionId": version,
                                  "IsDefaultVersion": version == p["default"]}}
    if command == "create-policy-version":
        arn = o["--policy-arn"]
        p = policy(state, arn)
        if len(p["versions"]) >= 5:
            raise AwsError("LimitExceeded", "A managed policy can have up to 5 versions.")
        state["counters"][arn] += 1
        version = f"v{state['counters'][arn]}"
        p["versions"][version] = read_file(o["--policy-document"])
        if o.get("--set-as-default"):
            p["default"] = version
        return {"PolicyVersion": {"VersionId": version, "IsDefaultVersion": p["default"] == version}}
    if command == "set-default-policy-version":
        p = policy(state, o["--policy-arn"])
        if o["--version-id"] not in p["versions"]:
            raise AwsError("NoSuchEntity", "no such version")
        p["default"] = o["--version-id"]
        return None
    if command == "delete-policy-version":
        p = policy(state, o["--policy-arn"])
        version = o["--version-id"]
        if version not in p["versions"]:
            raise AwsError("NoSuchEntity", f"Policy version {version} does not exist.")
        if version == p["default"]:
            raise AwsError("DeleteConflict", "Cannot delete the default version of a policy.")
        del p["versions"][version]
        return None
    if command == "create-policy":
        name = o["--policy-name"]
        arn = f"arn:aws:iam::{state['account']}:policy/{name}"
        if arn in state["policies"]:
            raise AwsError("EntityAlreadyExists", f"A policy called {name} already exists.")
        state["policies"][arn] = {"name": name, "default": "v1",
                                  "versions": {"v1": read_file(o["--policy-document"])}}
        state["counters"][arn] = 1
        return {"Policy": {"PolicyName": name, "Arn": arn, "DefaultVersionId": "v1"}}
    if command == "delete-policy":
        arn = o["--policy-arn"]
        p = policy(state, arn)
        if attachment_count(state, arn) or len(p["versions"]) > 1:
            raise AwsError("DeleteConflict", "Cannot delete a policy attached to entities or with versions.")
        del state["policies"][arn]
        del state["counters"][arn]
        return None
    raise AwsError("Usage", f"the fake does not know `iam {command}`")


def take_profile(args):
    """The arguments without `--profile NAME` / `--profile=NAME`, and NAME."""
    rest, profile = [], None
    i = 0
    while i < len(args):
        if args[i] == "--profile" and i + 1 < len(args):
            profile = args[i + 1]
            i += 2
            continue
        if args[i].startswith("--profile="):
            profile = args[i][len("--profile="):]
        else:
            rest.append(args[i])
        i += 1
    return rest, profile


def main(args):
    log = os.environ.get("AWS_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            # A query holds a whole document: its line breaks are logged as `\n`.
            f.write("".join(a.replace("\n", "\\n") + "\x1f" for a in args) + "\n")
    args, profile = take_profile(args)
    profiles = os.environ.get("FAKE_IAM_PROFILES")
    if profiles:
        if not profile or not re.fullmatch(r"[A-Za-z0-9_-]+", profile):
            print("Unable to locate credentials. You can configure credentials by running "
                  "\"aws configure\".", file=sys.stderr)
            return 253
        path_ = os.path.join(profiles, profile + ".json")
        seed_path = os.path.join(profiles, profile + ".seed.json")
    else:
        path_ = os.environ["FAKE_IAM"]
        seed_path = os.environ.get("FAKE_IAM_SEED", "")
    if os.path.exists(path_):
        with open(path_, encoding="utf-8") as f:
            state = json.load(f)
    else:
        with open(seed_path, encoding="utf-8") as f:
            state = seed(json.load(f))
    if args[:2] == ["sts", "get-caller-identity"]:
        o = options(args[2:])
        result = {"Account": state["account"], "Arn": f"arn:aws:iam::{state['account']}:user/fake"}
        if "--query" in o:
            result = query(result, o["--query"])
        print(render(result, o.get("--output", "json")))
        return 0
    if args == ["fake-dump"]:
        shown = {k: v for k, v in state.items() if k != "counters"}
        # IAM keeps attachments as a set: their order means nothing.
        for e in shown["entities"].values():
            e["attached"].sort()
        print(json.dumps(shown, indent=1, sort_keys=True))
        return 0
    try:
        if len(args) < 2 or args[0] not in ("iam", "sso-admin"):
            raise AwsError("Usage", f"the fake knows only `aws iam` and `aws sso-admin`: {args!r}")
        o = options(args[2:])
        expression = o.pop("--query", None)
        output = o.pop("--output", "json")
        result = (run if args[0] == "iam" else sso)(state, args[1], o)
    except AwsError as e:
        print(f"An error occurred ({e.code}) when calling the {args[1:2]} operation: {e}",
              file=sys.stderr)
        return 254
    except KeyError as e:
        print(f"An error occurred (Usage): missing option {e}", file=sys.stderr)
        return 252
    tmp = path_ + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(state, f)
    os.replace(tmp, path_)
    if result is not None:
        if expression is not None:
            try:
                result = query(result, expression)
            except AwsError as e:
                print(f"An error occurred ({e.code}): {e}", file=sys.stderr)
                return 252
        print(render(result, output))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
