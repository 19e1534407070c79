# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_pare_global_optspecs
    string join \n q/quiet v/verbose color= h/help V/version
end

function __fish_pare_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_pare_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_pare_using_subcommand
    set -l cmd (__fish_pare_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c pare -n "__fish_pare_needs_command" -l color -d 'When to colour the output: on a terminal (unless NO_COLOR is set), always, or never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set'
always\t'Always, also into a pipe or a file'
never\t'Never'"
complete -c pare -n "__fish_pare_needs_command" -s q -l quiet -d 'Print errors only: no notes or warnings on stderr'
complete -c pare -n "__fish_pare_needs_command" -s v -l verbose -d 'More on stderr: every diagnostic on its own line, and the catalog in use'
complete -c pare -n "__fish_pare_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pare -n "__fish_pare_needs_command" -s V -l version -d 'Print version'
complete -c pare -n "__fish_pare_needs_command" -f -a "refine" -d 'Remove unused permissions from a policy, as Access Analyzer recommends'
complete -c pare -n "__fish_pare_needs_command" -f -a "account" -d 'Refine a whole account: every policy of every principal with an unused-access finding, shared policies only where all holders agree'
complete -c pare -n "__fish_pare_needs_command" -f -a "explain" -d 'Draw the trie below one pattern: which prefixes are safe, why the others are not, and what `refine` puts in the pattern\'s place'
complete -c pare -n "__fish_pare_needs_command" -f -a "expand" -d 'List the known actions that patterns match, one per line'
complete -c pare -n "__fish_pare_needs_command" -f -a "verify" -d 'Check a refined policy against its original: nothing new granted, nothing unused granted, nothing used lost, everything else kept'
complete -c pare -n "__fish_pare_needs_command" -f -a "usage" -d 'Scan CloudTrail logs once into a usage file that `--used` reads'
complete -c pare -n "__fish_pare_needs_command" -f -a "catalog" -d 'Show where the action catalog came from and what it holds'
complete -c pare -n "__fish_pare_needs_command" -f -a "completions" -d 'Print a shell completion script for pare'
complete -c pare -n "__fish_pare_needs_command" -f -a "man" -d 'Print pare\'s man page, or a subcommand\'s (roff), for `man -l -` or a man directory'
complete -c pare -n "__fish_pare_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pare -n "__fish_pare_using_subcommand refine" -l unused -d 'The unused actions: `aws accessanalyzer get-finding-v2` output (one finding, an array, or JSON Lines), the `[{"serviceNamespace", "actions"}]` array, or one `service:Action` per line; `-` reads stdin; a directory: every JSON file in it (others are skipped with a note). Or `--last-accessed` / `--used`' -r
complete -c pare -n "__fish_pare_using_subcommand refine" -l last-accessed -d 'IAM last-accessed data: the output of `aws iam get-service-last-accessed-details --job-id ID` for a job generated with `--granularity ACTION_LEVEL`; `-` reads stdin. Actions IAM does not track stay granted' -r
complete -c pare -n "__fish_pare_using_subcommand refine" -l used -d 'The actions the workload was seen to use (CloudTrail, or calls logged during tests): one `service:Action` per line, or a JSON array of them; `-` reads stdin. Every other granted action that such a log can show becomes unused. A usage file written by `pare usage` is read as the CloudTrail logs it came from' -r
complete -c pare -n "__fish_pare_using_subcommand refine" -l cloudtrail -d 'CloudTrail logs: files as delivered to S3 (gzipped or not), `aws cloudtrail lookup-events` output, JSON Lines of events, or a directory tree of them (`AWSLogs/ACCOUNT/CloudTrail/...`). Repeat for more. Every granted action the logs can show and that `--principal` did not call becomes unused' -r -F
complete -c pare -n "__fish_pare_using_subcommand refine" -l trail-config -d 'What the trail logs, for `--cloudtrail` and usage files: `aws cloudtrail get-event-selectors` or `describe-trails` output. Without it, management events are assumed logged and data events not (their actions stay granted). Repeat for each trail of the logs (an organization trail and the account\'s own): an event counts as logged when any of them logs it' -r
complete -c pare -n "__fish_pare_using_subcommand refine" -l unused-since -d 'Count an action last accessed more than DAYS days before `--as-of` as unused (exactly DAYS days ago still counts as used). Applies to `--last-accessed`, `--cloudtrail`, usage files, and the `lastAccessed` times of `--unused` findings' -r
complete -c pare -n "__fish_pare_using_subcommand refine" -l principal -d 'Findings and logs are per principal: when the `--unused` findings, the `--cloudtrail` logs or a usage file name several roles or users, take those of this one (its full ARN)' -r
complete -c pare -n "__fish_pare_using_subcommand refine" -l catalog -d 'A copy of AWS\'s service reference (index.json and v1/<svc>/<svc>.json) to use instead of the embedded catalog' -r -F
complete -c pare -n "__fish_pare_using_subcommand refine" -l as-of -d 'The reference date, `YYYY-MM-DD` (midnight UTC) or an RFC 3339 timestamp; default now. The catalog\'s age, and `--unused-since`, count back from it' -r
complete -c pare -n "__fish_pare_using_subcommand refine" -l max-input-size -d 'The most pare reads of any one input (unused list, account data, catalog file) before it stops with an error, such as 2G or 500M. Default: 1G for account data, 64M for a catalog file; a policy is never read past 1M' -r
complete -c pare -n "__fish_pare_using_subcommand refine" -l format -d 'What to print on stdout' -r -f -a "policy\t'The refined policy, pretty JSON in the original key order'
diff\t'A unified diff of the original policy against the refined one'
recommendation\t'Access Analyzer\'s `get-finding-recommendation` shape'
json\t'Everything, machine-readable: the policy, the edits, the diagnostics and the sizes'"
complete -c pare -n "__fish_pare_using_subcommand refine" -l policy-kind -d 'Which IAM size quota the refined policy is held against, when the input is a bare document (`get-*-policy` output says it): `inline` takes the finding\'s principal. Default: managed policy' -r -f -a "managed\t'A managed policy (6,144 characters)'
inline\t'An inline policy of the `--unused` finding\'s role or user'
role-inline\t'An inline policy of a role (10,240 for all of them together)'
user-inline\t'An inline policy of a user (2,048 for all of them together)'
group-inline\t'An inline policy of a group (5,120 for all of them together)'"
complete -c pare -n "__fish_pare_using_subcommand refine" -l max-policy-size -d 'Hold the refined policy to this many characters (white space not counted) when that is less than IAM\'s quota: a result over it gets the same warning and split alternative as one over the quota' -r
complete -c pare -n "__fish_pare_using_subcommand refine" -l resource -d 'In a Terraform or CloudFormation source: the policy to refine, by Terraform address (`aws_iam_role_policy.app`, `aws_iam_role.app` for its inline policies) or logical id (`AppRole`); needed when the file holds several' -r
complete -c pare -n "__fish_pare_using_subcommand refine" -s o -l output -d 'Write the result to FILE instead of stdout, atomically (a temporary file in the same directory, renamed over FILE once complete); FILE is left as it was when the command fails' -r -F
complete -c pare -n "__fish_pare_using_subcommand refine" -l color -d 'When to colour the output: on a terminal (unless NO_COLOR is set), always, or never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set'
always\t'Always, also into a pipe or a file'
never\t'Never'"
complete -c pare -n "__fish_pare_using_subcommand refine" -l accept-unknown-used -d 'Take `--used` and `--last-accessed` action names that the catalog does not know as they are (actions newer than the catalog), instead of stopping: a misnamed used action would leave the real one unprotected'
complete -c pare -n "__fish_pare_using_subcommand refine" -l no-wildcards -d 'Replace a wildcard by the exact list of its used actions instead of shorter wildcards'
complete -c pare -n "__fish_pare_using_subcommand refine" -l verify -d 'Check the refined policy with `pare verify`\'s independent check before printing it; on a violation print nothing on stdout and exit 1'
complete -c pare -n "__fish_pare_using_subcommand refine" -l exit-code -d 'Say in the exit code whether anything would change, as `git diff --exit-code` does: 0 nothing to refine, 4 the policy changes, 3 detach it'
complete -c pare -n "__fish_pare_using_subcommand refine" -l write -d 'In a Terraform or CloudFormation source: replace the file (and a JSON file its `file()` names) with the refined one, atomically, once verified'
complete -c pare -n "__fish_pare_using_subcommand refine" -s q -l quiet -d 'Print errors only: no notes or warnings on stderr'
complete -c pare -n "__fish_pare_using_subcommand refine" -s v -l verbose -d 'More on stderr: every diagnostic on its own line, and the catalog in use'
complete -c pare -n "__fish_pare_using_subcommand refine" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pare -n "__fish_pare_using_subcommand refine" -s V -l version -d 'Print version'
complete -c pare -n "__fish_pare_using_subcommand account" -l findings -d '`aws accessanalyzer get-finding-v2` outputs: a file holding one finding, a JSON array of them, or JSON Lines; or a directory of such files (read in name order). Repeat for more' -r -F
complete -c pare -n "__fish_pare_using_subcommand account" -l last-accessed -d 'IAM last-accessed data for one role or user, as `PRINCIPAL=FILE` (PRINCIPAL is its ARN or name; FILE the output of `aws iam get-service-last-accessed-details` for a job generated with `--granularity ACTION_LEVEL`). Repeat for more' -r
complete -c pare -n "__fish_pare_using_subcommand account" -l used -d 'The actions one role or user was seen to use, as `PRINCIPAL=FILE` (one `service:Action` per line, or a JSON array). Repeat for more' -r
complete -c pare -n "__fish_pare_using_subcommand account" -l cloudtrail -d 'CloudTrail logs of the account (files, gzipped files, or a directory tree such as `AWSLogs/ACCOUNT/CloudTrail/`), read once and attributed to every role and user of the details. Repeat for more' -r -F
complete -c pare -n "__fish_pare_using_subcommand account" -l trail-config -d 'What the trail logs, for `--cloudtrail`: `aws cloudtrail get-event-selectors` or `describe-trails` output. Without it, data events count as not logged. Repeat for each trail of the logs: an event counts as logged when any of them logs it' -r
complete -c pare -n "__fish_pare_using_subcommand account" -l unused-since -d 'Count an action last accessed more than DAYS days before `--as-of` as unused (exactly DAYS days ago still counts as used); for `--last-accessed`, `--cloudtrail` and the findings\' `lastAccessed` times' -r
complete -c pare -n "__fish_pare_using_subcommand account" -l catalog -d 'A copy of AWS\'s service reference (index.json and v1/<svc>/<svc>.json) to use instead of the embedded catalog' -r -F
complete -c pare -n "__fish_pare_using_subcommand account" -l as-of -d 'The reference date, `YYYY-MM-DD` (midnight UTC) or an RFC 3339 timestamp; default now. The catalog\'s age, and `--unused-since`, count back from it' -r
complete -c pare -n "__fish_pare_using_subcommand account" -l max-input-size -d 'The most pare reads of any one input (unused list, account data, catalog file) before it stops with an error, such as 2G or 500M. Default: 1G for account data, 64M for a catalog file; a policy is never read past 1M' -r
complete -c pare -n "__fish_pare_using_subcommand account" -l identity-center -d 'IAM Identity Center permission sets: a directory with one directory per permission set of `aws sso-admin` outputs (see the README). Each `AWSReservedSSO_` role is its permission set provisioned there; the plan changes the permission set\'s inline policy, never the roles. With several accounts only' -r -F
complete -c pare -n "__fish_pare_using_subcommand account" -l out -d 'Write the refined policies, a diff per policy and `apply.sh` into this directory, which must not exist yet (or be empty). Nothing is applied' -r -F
complete -c pare -n "__fish_pare_using_subcommand account" -l format -d 'What to print on stdout. The table is the default, also when stdout is not a terminal; scripts ask for `json` or `csv`' -r -f -a "table\t'One row per principal and policy, for a reviewer'
json\t'Per principal, Access Analyzer\'s `get-finding-recommendation` shape'
csv\t'The table\'s rows, for spreadsheets'"
complete -c pare -n "__fish_pare_using_subcommand account" -l max-policy-size -d 'Hold each refined policy to this many characters (white space not counted) when that is less than IAM\'s quota: a result over it is reported, left out of apply.sh, and given the split alternative, as one over the quota is. A principal\'s inline policies count together, as IAM counts them' -r
complete -c pare -n "__fish_pare_using_subcommand account" -l terraform -d 'The Terraform root module the account\'s policies come from: policies it (or a local module under it) holds are changed by a patch in the plan (`--out DIR/terraform/*.patch`) instead of by `apply.sh`. Needs `--terraform-state`' -r -F
complete -c pare -n "__fish_pare_using_subcommand account" -l terraform-state -d 'The output of `terraform show -json` for that root module\'s state: which resource is which policy of the account' -r -F
complete -c pare -n "__fish_pare_using_subcommand account" -l cloudformation -d 'A CloudFormation or SAM template (JSON or YAML) the account\'s policies come from: policies it holds are changed by a patch in the plan (`--out DIR/cloudformation/*.patch`) instead of by `apply.sh`. Needs `--stack-resources`' -r -F
complete -c pare -n "__fish_pare_using_subcommand account" -l stack-resources -d 'The output of `aws cloudformation describe-stack-resources` for the template\'s stack: the physical name or ARN of each logical id' -r -F
complete -c pare -n "__fish_pare_using_subcommand account" -l color -d 'When to colour the output: on a terminal (unless NO_COLOR is set), always, or never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set'
always\t'Always, also into a pipe or a file'
never\t'Never'"
complete -c pare -n "__fish_pare_using_subcommand account" -l accept-unknown-used -d 'Take `--used` and `--last-accessed` action names that the catalog does not know as they are (actions newer than the catalog), instead of stopping'
complete -c pare -n "__fish_pare_using_subcommand account" -l exit-code -d 'Say in the exit code whether the plan changes anything, as `git diff --exit-code` does: 0 nothing would change, 4 some policy changes, 3 every change detaches or deletes a policy whole'
complete -c pare -n "__fish_pare_using_subcommand account" -s q -l quiet -d 'Print errors only: no notes or warnings on stderr'
complete -c pare -n "__fish_pare_using_subcommand account" -s v -l verbose -d 'More on stderr: every diagnostic on its own line, and the catalog in use'
complete -c pare -n "__fish_pare_using_subcommand account" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pare -n "__fish_pare_using_subcommand account" -s V -l version -d 'Print version'
complete -c pare -n "__fish_pare_using_subcommand explain" -l unused -d 'The unused actions, in any form `refine --unused` reads; `-` reads stdin. Or the other sources `refine` reads (`--last-accessed`, `--used`), with the same flags' -r
complete -c pare -n "__fish_pare_using_subcommand explain" -l last-accessed -d 'IAM last-accessed data: the output of `aws iam get-service-last-accessed-details --job-id ID` for a job generated with `--granularity ACTION_LEVEL`; `-` reads stdin. Actions IAM does not track stay granted' -r
complete -c pare -n "__fish_pare_using_subcommand explain" -l used -d 'The actions the workload was seen to use (CloudTrail, or calls logged during tests): one `service:Action` per line, or a JSON array of them; `-` reads stdin. Every other granted action that such a log can show becomes unused. A usage file written by `pare usage` is read as the CloudTrail logs it came from' -r
complete -c pare -n "__fish_pare_using_subcommand explain" -l cloudtrail -d 'CloudTrail logs: files as delivered to S3 (gzipped or not), `aws cloudtrail lookup-events` output, JSON Lines of events, or a directory tree of them (`AWSLogs/ACCOUNT/CloudTrail/...`). Repeat for more. Every granted action the logs can show and that `--principal` did not call becomes unused' -r -F
complete -c pare -n "__fish_pare_using_subcommand explain" -l trail-config -d 'What the trail logs, for `--cloudtrail` and usage files: `aws cloudtrail get-event-selectors` or `describe-trails` output. Without it, management events are assumed logged and data events not (their actions stay granted). Repeat for each trail of the logs (an organization trail and the account\'s own): an event counts as logged when any of them logs it' -r
complete -c pare -n "__fish_pare_using_subcommand explain" -l unused-since -d 'Count an action last accessed more than DAYS days before `--as-of` as unused (exactly DAYS days ago still counts as used). Applies to `--last-accessed`, `--cloudtrail`, usage files, and the `lastAccessed` times of `--unused` findings' -r
complete -c pare -n "__fish_pare_using_subcommand explain" -l principal -d 'Findings and logs are per principal: when the `--unused` findings, the `--cloudtrail` logs or a usage file name several roles or users, take those of this one (its full ARN)' -r
complete -c pare -n "__fish_pare_using_subcommand explain" -l catalog -d 'A copy of AWS\'s service reference (index.json and v1/<svc>/<svc>.json) to use instead of the embedded catalog' -r -F
complete -c pare -n "__fish_pare_using_subcommand explain" -l as-of -d 'The reference date, `YYYY-MM-DD` (midnight UTC) or an RFC 3339 timestamp; default now. The catalog\'s age, and `--unused-since`, count back from it' -r
complete -c pare -n "__fish_pare_using_subcommand explain" -l max-input-size -d 'The most pare reads of any one input (unused list, account data, catalog file) before it stops with an error, such as 2G or 500M. Default: 1G for account data, 64M for a catalog file; a policy is never read past 1M' -r
complete -c pare -n "__fish_pare_using_subcommand explain" -l format -d 'How to draw the trie' -r -f -a "text\t'An indented tree for a terminal (coloured when stdout is one)'
dot\t'Graphviz, for `dot -Tsvg`: safe nodes green, unsafe ones orange, chosen ones bold'"
complete -c pare -n "__fish_pare_using_subcommand explain" -s o -l output -d 'Write the result to FILE instead of stdout, atomically (a temporary file in the same directory, renamed over FILE once complete); FILE is left as it was when the command fails' -r -F
complete -c pare -n "__fish_pare_using_subcommand explain" -l color -d 'When to colour the output: on a terminal (unless NO_COLOR is set), always, or never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set'
always\t'Always, also into a pipe or a file'
never\t'Never'"
complete -c pare -n "__fish_pare_using_subcommand explain" -l accept-unknown-used -d 'Take `--used` and `--last-accessed` action names that the catalog does not know as they are (actions newer than the catalog), instead of stopping: a misnamed used action would leave the real one unprotected'
complete -c pare -n "__fish_pare_using_subcommand explain" -s q -l quiet -d 'Print errors only: no notes or warnings on stderr'
complete -c pare -n "__fish_pare_using_subcommand explain" -s v -l verbose -d 'More on stderr: every diagnostic on its own line, and the catalog in use'
complete -c pare -n "__fish_pare_using_subcommand explain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pare -n "__fish_pare_using_subcommand explain" -s V -l version -d 'Print version'
complete -c pare -n "__fish_pare_using_subcommand expand" -l catalog -d 'A copy of AWS\'s service reference (index.json and v1/<svc>/<svc>.json) to use instead of the embedded catalog' -r -F
complete -c pare -n "__fish_pare_using_subcommand expand" -l as-of -d 'The reference date, `YYYY-MM-DD` (midnight UTC) or an RFC 3339 timestamp; default now. The catalog\'s age, and `--unused-since`, count back from it' -r
complete -c pare -n "__fish_pare_using_subcommand expand" -l max-input-size -d 'The most pare reads of any one input (unused list, account data, catalog file) before it stops with an error, such as 2G or 500M. Default: 1G for account data, 64M for a catalog file; a policy is never read past 1M' -r
complete -c pare -n "__fish_pare_using_subcommand expand" -s o -l output -d 'Write the result to FILE instead of stdout, atomically (a temporary file in the same directory, renamed over FILE once complete); FILE is left as it was when the command fails' -r -F
complete -c pare -n "__fish_pare_using_subcommand expand" -l color -d 'When to colour the output: on a terminal (unless NO_COLOR is set), always, or never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set'
always\t'Always, also into a pipe or a file'
never\t'Never'"
complete -c pare -n "__fish_pare_using_subcommand expand" -l access-level -d 'Add each action\'s access level after a tab'
complete -c pare -n "__fish_pare_using_subcommand expand" -l tracked -d 'Add after a tab whether IAM tracks the action\'s last access (`tracked`, `untracked`): `--last-accessed` can tell an untracked action\'s use from no use only at the service level, so it keeps it'
complete -c pare -n "__fish_pare_using_subcommand expand" -l observable -d 'Add after a tab whether CloudTrail can show the action\'s use (`--cloudtrail`): `logged` (a management event authorizes it), `data-event` (only data events do, which a trail logs only when configured to), or `not-logged` (no logged operation authorizes it: permission-only or console-only). pare keeps what the logs cannot show'
complete -c pare -n "__fish_pare_using_subcommand expand" -s q -l quiet -d 'Print errors only: no notes or warnings on stderr'
complete -c pare -n "__fish_pare_using_subcommand expand" -s v -l verbose -d 'More on stderr: every diagnostic on its own line, and the catalog in use'
complete -c pare -n "__fish_pare_using_subcommand expand" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pare -n "__fish_pare_using_subcommand expand" -s V -l version -d 'Print version'
complete -c pare -n "__fish_pare_using_subcommand verify" -l unused -d 'The unused actions the refinement was made against, in any form `refine --unused` reads; `-` reads stdin. Or the other sources `refine` reads (`--last-accessed`, `--used`), with the same flags as there. Without any: the pull-request gate, which asks whether REFINED (the new version of a policy, a Terraform file or a template) grants anything ORIGINAL (the old version) did not' -r
complete -c pare -n "__fish_pare_using_subcommand verify" -l last-accessed -d 'IAM last-accessed data: the output of `aws iam get-service-last-accessed-details --job-id ID` for a job generated with `--granularity ACTION_LEVEL`; `-` reads stdin. Actions IAM does not track stay granted' -r
complete -c pare -n "__fish_pare_using_subcommand verify" -l used -d 'The actions the workload was seen to use (CloudTrail, or calls logged during tests): one `service:Action` per line, or a JSON array of them; `-` reads stdin. Every other granted action that such a log can show becomes unused. A usage file written by `pare usage` is read as the CloudTrail logs it came from' -r
complete -c pare -n "__fish_pare_using_subcommand verify" -l cloudtrail -d 'CloudTrail logs: files as delivered to S3 (gzipped or not), `aws cloudtrail lookup-events` output, JSON Lines of events, or a directory tree of them (`AWSLogs/ACCOUNT/CloudTrail/...`). Repeat for more. Every granted action the logs can show and that `--principal` did not call becomes unused' -r -F
complete -c pare -n "__fish_pare_using_subcommand verify" -l trail-config -d 'What the trail logs, for `--cloudtrail` and usage files: `aws cloudtrail get-event-selectors` or `describe-trails` output. Without it, management events are assumed logged and data events not (their actions stay granted). Repeat for each trail of the logs (an organization trail and the account\'s own): an event counts as logged when any of them logs it' -r
complete -c pare -n "__fish_pare_using_subcommand verify" -l unused-since -d 'Count an action last accessed more than DAYS days before `--as-of` as unused (exactly DAYS days ago still counts as used). Applies to `--last-accessed`, `--cloudtrail`, usage files, and the `lastAccessed` times of `--unused` findings' -r
complete -c pare -n "__fish_pare_using_subcommand verify" -l principal -d 'Findings and logs are per principal: when the `--unused` findings, the `--cloudtrail` logs or a usage file name several roles or users, take those of this one (its full ARN)' -r
complete -c pare -n "__fish_pare_using_subcommand verify" -l catalog -d 'A copy of AWS\'s service reference (index.json and v1/<svc>/<svc>.json) to use instead of the embedded catalog' -r -F
complete -c pare -n "__fish_pare_using_subcommand verify" -l as-of -d 'The reference date, `YYYY-MM-DD` (midnight UTC) or an RFC 3339 timestamp; default now. The catalog\'s age, and `--unused-since`, count back from it' -r
complete -c pare -n "__fish_pare_using_subcommand verify" -l max-input-size -d 'The most pare reads of any one input (unused list, account data, catalog file) before it stops with an error, such as 2G or 500M. Default: 1G for account data, 64M for a catalog file; a policy is never read past 1M' -r
complete -c pare -n "__fish_pare_using_subcommand verify" -l format -d 'What to print on stdout' -r -f -a "text\t'One line per violation (nothing when every guarantee holds)'
json\t'`{"ok", "compared", "removed", "violations"}`, also when every guarantee holds'
sarif\t'SARIF 2.1.0 for code-scanning annotations (the pull-request gate only)'"
complete -c pare -n "__fish_pare_using_subcommand verify" -s o -l output -d 'Write the result to FILE instead of stdout, atomically (a temporary file in the same directory, renamed over FILE once complete); FILE is left as it was when the command fails' -r -F
complete -c pare -n "__fish_pare_using_subcommand verify" -l color -d 'When to colour the output: on a terminal (unless NO_COLOR is set), always, or never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set'
always\t'Always, also into a pipe or a file'
never\t'Never'"
complete -c pare -n "__fish_pare_using_subcommand verify" -l accept-unknown-used -d 'Take `--used` and `--last-accessed` action names that the catalog does not know as they are (actions newer than the catalog), instead of stopping: a misnamed used action would leave the real one unprotected'
complete -c pare -n "__fish_pare_using_subcommand verify" -l no-wildcards -d 'The refinement was made with `refine --no-wildcards`: its replacements list the used actions one by one, so conciseness (guarantee 6) is not checked'
complete -c pare -n "__fish_pare_using_subcommand verify" -s q -l quiet -d 'Print errors only: no notes or warnings on stderr'
complete -c pare -n "__fish_pare_using_subcommand verify" -s v -l verbose -d 'More on stderr: every diagnostic on its own line, and the catalog in use'
complete -c pare -n "__fish_pare_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pare -n "__fish_pare_using_subcommand verify" -s V -l version -d 'Print version'
complete -c pare -n "__fish_pare_using_subcommand usage" -l cloudtrail -d 'CloudTrail logs: files as delivered to S3 (gzipped or not), `aws cloudtrail lookup-events` output, JSON Lines of events, or a directory tree of them. Repeat for more' -r -F
complete -c pare -n "__fish_pare_using_subcommand usage" -l principal -d 'Keep only this role or user (its full ARN). Repeat for more; default: every principal the logs show' -r
complete -c pare -n "__fish_pare_using_subcommand usage" -l unused-since -d 'The window the file is meant for, in days before `--as-of`: pare warns when the logs cover less of it and counts the events before it. The file keeps every time, so it can be read against any window later' -r
complete -c pare -n "__fish_pare_using_subcommand usage" -l catalog -d 'A copy of AWS\'s service reference (index.json and v1/<svc>/<svc>.json) to use instead of the embedded catalog' -r -F
complete -c pare -n "__fish_pare_using_subcommand usage" -l as-of -d 'The reference date, `YYYY-MM-DD` (midnight UTC) or an RFC 3339 timestamp; default now. The catalog\'s age, and `--unused-since`, count back from it' -r
complete -c pare -n "__fish_pare_using_subcommand usage" -l max-input-size -d 'The most pare reads of any one input (unused list, account data, catalog file) before it stops with an error, such as 2G or 500M. Default: 1G for account data, 64M for a catalog file; a policy is never read past 1M' -r
complete -c pare -n "__fish_pare_using_subcommand usage" -s o -l output -d 'Write the result to FILE instead of stdout, atomically (a temporary file in the same directory, renamed over FILE once complete); FILE is left as it was when the command fails' -r -F
complete -c pare -n "__fish_pare_using_subcommand usage" -l color -d 'When to colour the output: on a terminal (unless NO_COLOR is set), always, or never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set'
always\t'Always, also into a pipe or a file'
never\t'Never'"
complete -c pare -n "__fish_pare_using_subcommand usage" -s q -l quiet -d 'Print errors only: no notes or warnings on stderr'
complete -c pare -n "__fish_pare_using_subcommand usage" -s v -l verbose -d 'More on stderr: every diagnostic on its own line, and the catalog in use'
complete -c pare -n "__fish_pare_using_subcommand usage" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pare -n "__fish_pare_using_subcommand usage" -s V -l version -d 'Print version'
complete -c pare -n "__fish_pare_using_subcommand catalog" -l catalog -d 'A copy of AWS\'s service reference (index.json and v1/<svc>/<svc>.json) to use instead of the embedded catalog' -r -F
complete -c pare -n "__fish_pare_using_subcommand catalog" -l as-of -d 'The reference date, `YYYY-MM-DD` (midnight UTC) or an RFC 3339 timestamp; default now. The catalog\'s age, and `--unused-since`, count back from it' -r
complete -c pare -n "__fish_pare_using_subcommand catalog" -l max-input-size -d 'The most pare reads of any one input (unused list, account data, catalog file) before it stops with an error, such as 2G or 500M. Default: 1G for account data, 64M for a catalog file; a policy is never read past 1M' -r
complete -c pare -n "__fish_pare_using_subcommand catalog" -s o -l output -d 'Write the result to FILE instead of stdout, atomically (a temporary file in the same directory, renamed over FILE once complete); FILE is left as it was when the command fails' -r -F
complete -c pare -n "__fish_pare_using_subcommand catalog" -l color -d 'When to colour the output: on a terminal (unless NO_COLOR is set), always, or never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set'
always\t'Always, also into a pipe or a file'
never\t'Never'"
complete -c pare -n "__fish_pare_using_subcommand catalog" -l services -d 'List every service with its action count (tab-separated) instead'
complete -c pare -n "__fish_pare_using_subcommand catalog" -s q -l quiet -d 'Print errors only: no notes or warnings on stderr'
complete -c pare -n "__fish_pare_using_subcommand catalog" -s v -l verbose -d 'More on stderr: every diagnostic on its own line, and the catalog in use'
complete -c pare -n "__fish_pare_using_subcommand catalog" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pare -n "__fish_pare_using_subcommand catalog" -s V -l version -d 'Print version'
complete -c pare -n "__fish_pare_using_subcommand completions" -l color -d 'When to colour the output: on a terminal (unless NO_COLOR is set), always, or never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set'
always\t'Always, also into a pipe or a file'
never\t'Never'"
complete -c pare -n "__fish_pare_using_subcommand completions" -s q -l quiet -d 'Print errors only: no notes or warnings on stderr'
complete -c pare -n "__fish_pare_using_subcommand completions" -s v -l verbose -d 'More on stderr: every diagnostic on its own line, and the catalog in use'
complete -c pare -n "__fish_pare_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pare -n "__fish_pare_using_subcommand completions" -s V -l version -d 'Print version'
complete -c pare -n "__fish_pare_using_subcommand man" -l color -d 'When to colour the output: on a terminal (unless NO_COLOR is set), always, or never' -r -f -a "auto\t'On a terminal, unless `NO_COLOR` is set'
always\t'Always, also into a pipe or a file'
never\t'Never'"
complete -c pare -n "__fish_pare_using_subcommand man" -s q -l quiet -d 'Print errors only: no notes or warnings on stderr'
complete -c pare -n "__fish_pare_using_subcommand man" -s v -l verbose -d 'More on stderr: every diagnostic on its own line, and the catalog in use'
complete -c pare -n "__fish_pare_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pare -n "__fish_pare_using_subcommand man" -s V -l version -d 'Print version'
complete -c pare -n "__fish_pare_using_subcommand help; and not __fish_seen_subcommand_from refine account explain expand verify usage catalog completions man help" -f -a "refine" -d 'Remove unused permissions from a policy, as Access Analyzer recommends'
complete -c pare -n "__fish_pare_using_subcommand help; and not __fish_seen_subcommand_from refine account explain expand verify usage catalog completions man help" -f -a "account" -d 'Refine a whole account: every policy of every principal with an unused-access finding, shared policies only where all holders agree'
complete -c pare -n "__fish_pare_using_subcommand help; and not __fish_seen_subcommand_from refine account explain expand verify usage catalog completions man help" -f -a "explain" -d 'Draw the trie below one pattern: which prefixes are safe, why the others are not, and what `refine` puts in the pattern\'s place'
complete -c pare -n "__fish_pare_using_subcommand help; and not __fish_seen_subcommand_from refine account explain expand verify usage catalog completions man help" -f -a "expand" -d 'List the known actions that patterns match, one per line'
complete -c pare -n "__fish_pare_using_subcommand help; and not __fish_seen_subcommand_from refine account explain expand verify usage catalog completions man help" -f -a "verify" -d 'Check a refined policy against its original: nothing new granted, nothing unused granted, nothing used lost, everything else kept'
complete -c pare -n "__fish_pare_using_subcommand help; and not __fish_seen_subcommand_from refine account explain expand verify usage catalog completions man help" -f -a "usage" -d 'Scan CloudTrail logs once into a usage file that `--used` reads'
complete -c pare -n "__fish_pare_using_subcommand help; and not __fish_seen_subcommand_from refine account explain expand verify usage catalog completions man help" -f -a "catalog" -d 'Show where the action catalog came from and what it holds'
complete -c pare -n "__fish_pare_using_subcommand help; and not __fish_seen_subcommand_from refine account explain expand verify usage catalog completions man help" -f -a "completions" -d 'Print a shell completion script for pare'
complete -c pare -n "__fish_pare_using_subcommand help; and not __fish_seen_subcommand_from refine account explain expand verify usage catalog completions man help" -f -a "man" -d 'Print pare\'s man page, or a subcommand\'s (roff), for `man -l -` or a man directory'
complete -c pare -n "__fish_pare_using_subcommand help; and not __fish_seen_subcommand_from refine account explain expand verify usage catalog completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
