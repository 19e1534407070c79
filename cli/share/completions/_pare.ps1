
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'pare' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'pare'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'pare' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: on a terminal (unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no notes or warnings on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no notes or warnings on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More on stderr: every diagnostic on its own line, and the catalog in use')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More on stderr: every diagnostic on its own line, and the catalog in use')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('refine', 'refine', [CompletionResultType]::ParameterValue, 'Remove unused permissions from a policy, as Access Analyzer recommends')
            [CompletionResult]::new('account', 'account', [CompletionResultType]::ParameterValue, 'Refine a whole account: every policy of every principal with an unused-access finding, shared policies only where all holders agree')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Draw the trie below one pattern: which prefixes are safe, why the others are not, and what `refine` puts in the pattern''s place')
            [CompletionResult]::new('expand', 'expand', [CompletionResultType]::ParameterValue, 'List the known actions that patterns match, one per line')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check a refined policy against its original: nothing new granted, nothing unused granted, nothing used lost, everything else kept')
            [CompletionResult]::new('usage', 'usage', [CompletionResultType]::ParameterValue, 'Scan CloudTrail logs once into a usage file that `--used` reads')
            [CompletionResult]::new('catalog', 'catalog', [CompletionResultType]::ParameterValue, 'Show where the action catalog came from and what it holds')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script for pare')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print pare''s man page, or a subcommand''s (roff), for `man -l -` or a man directory')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'pare;refine' {
            [CompletionResult]::new('--unused', '--unused', [CompletionResultType]::ParameterName, 'The unused actions: `aws accessanalyzer get-finding-v2` output (one finding, an array, or JSON Lines), the `[{"serviceNamespace", "actions"}]` array, or one `service:Action` per line; `-` reads stdin; a directory: every JSON file in it (others are skipped with a note). Or `--last-accessed` / `--used`')
            [CompletionResult]::new('--last-accessed', '--last-accessed', [CompletionResultType]::ParameterName, 'IAM last-accessed data: the output of `aws iam get-service-last-accessed-details --job-id ID` for a job generated with `--granularity ACTION_LEVEL`; `-` reads stdin. Actions IAM does not track stay granted')
            [CompletionResult]::new('--used', '--used', [CompletionResultType]::ParameterName, 'The actions the workload was seen to use (CloudTrail, or calls logged during tests): one `service:Action` per line, or a JSON array of them; `-` reads stdin. Every other granted action that such a log can show becomes unused. A usage file written by `pare usage` is read as the CloudTrail logs it came from')
            [CompletionResult]::new('--cloudtrail', '--cloudtrail', [CompletionResultType]::ParameterName, 'CloudTrail logs: files as delivered to S3 (gzipped or not), `aws cloudtrail lookup-events` output, JSON Lines of events, or a directory tree of them (`AWSLogs/ACCOUNT/CloudTrail/...`). Repeat for more. Every granted action the logs can show and that `--principal` did not call becomes unused')
            [CompletionResult]::new('--trail-config', '--trail-config', [CompletionResultType]::ParameterName, 'What the trail logs, for `--cloudtrail` and usage files: `aws cloudtrail get-event-selectors` or `describe-trails` output. Without it, management events are assumed logged and data events not (their actions stay granted). Repeat for each trail of the logs (an organization trail and the account''s own): an event counts as logged when any of them logs it')
            [CompletionResult]::new('--unused-since', '--unused-since', [CompletionResultType]::ParameterName, 'Count an action last accessed more than DAYS days before `--as-of` as unused (exactly DAYS days ago still counts as used). Applies to `--last-accessed`, `--cloudtrail`, usage files, and the `lastAccessed` times of `--unused` findings')
            [CompletionResult]::new('--principal', '--principal', [CompletionResultType]::ParameterName, 'Findings and logs are per principal: when the `--unused` findings, the `--cloudtrail` logs or a usage file name several roles or users, take those of this one (its full ARN)')
            [CompletionResult]::new('--catalog', '--catalog', [CompletionResultType]::ParameterName, 'A copy of AWS''s service reference (index.json and v1/<svc>/<svc>.json) to use instead of the embedded catalog')
            [CompletionResult]::new('--as-of', '--as-of', [CompletionResultType]::ParameterName, 'The reference date, `YYYY-MM-DD` (midnight UTC) or an RFC 3339 timestamp; default now. The catalog''s age, and `--unused-since`, count back from it')
            [CompletionResult]::new('--max-input-size', '--max-input-size', [CompletionResultType]::ParameterName, 'The most pare reads of any one input (unused list, account data, catalog file) before it stops with an error, such as 2G or 500M. Default: 1G for account data, 64M for a catalog file; a policy is never read past 1M')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--policy-kind', '--policy-kind', [CompletionResultType]::ParameterName, 'Which IAM size quota the refined policy is held against, when the input is a bare document (`get-*-policy` output says it): `inline` takes the finding''s principal. Default: managed policy')
            [CompletionResult]::new('--max-policy-size', '--max-policy-size', [CompletionResultType]::ParameterName, 'Hold the refined policy to this many characters (white space not counted) when that is less than IAM''s quota: a result over it gets the same warning and split alternative as one over the quota')
            [CompletionResult]::new('--resource', '--resource', [CompletionResultType]::ParameterName, 'In a Terraform or CloudFormation source: the policy to refine, by Terraform address (`aws_iam_role_policy.app`, `aws_iam_role.app` for its inline policies) or logical id (`AppRole`); needed when the file holds several')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the result to FILE instead of stdout, atomically (a temporary file in the same directory, renamed over FILE once complete); FILE is left as it was when the command fails')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the result to FILE instead of stdout, atomically (a temporary file in the same directory, renamed over FILE once complete); FILE is left as it was when the command fails')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: on a terminal (unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--accept-unknown-used', '--accept-unknown-used', [CompletionResultType]::ParameterName, 'Take `--used` and `--last-accessed` action names that the catalog does not know as they are (actions newer than the catalog), instead of stopping: a misnamed used action would leave the real one unprotected')
            [CompletionResult]::new('--no-wildcards', '--no-wildcards', [CompletionResultType]::ParameterName, 'Replace a wildcard by the exact list of its used actions instead of shorter wildcards')
            [CompletionResult]::new('--verify', '--verify', [CompletionResultType]::ParameterName, 'Check the refined policy with `pare verify`''s independent check before printing it; on a violation print nothing on stdout and exit 1')
            [CompletionResult]::new('--exit-code', '--exit-code', [CompletionResultType]::ParameterName, 'Say in the exit code whether anything would change, as `git diff --exit-code` does: 0 nothing to refine, 4 the policy changes, 3 detach it')
            [CompletionResult]::new('--write', '--write', [CompletionResultType]::ParameterName, 'In a Terraform or CloudFormation source: replace the file (and a JSON file its `file()` names) with the refined one, atomically, once verified')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no notes or warnings on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no notes or warnings on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More on stderr: every diagnostic on its own line, and the catalog in use')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More on stderr: every diagnostic on its own line, and the catalog in use')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'pare;account' {
            [CompletionResult]::new('--findings', '--findings', [CompletionResultType]::ParameterName, '`aws accessanalyzer get-finding-v2` outputs: a file holding one finding, a JSON array of them, or JSON Lines; or a directory of such files (read in name order). Repeat for more')
            [CompletionResult]::new('--last-accessed', '--last-accessed', [CompletionResultType]::ParameterName, 'IAM last-accessed data for one role or user, as `PRINCIPAL=FILE` (PRINCIPAL is its ARN or name; FILE the output of `aws iam get-service-last-accessed-details` for a job generated with `--granularity ACTION_LEVEL`). Repeat for more')
            [CompletionResult]::new('--used', '--used', [CompletionResultType]::ParameterName, 'The actions one role or user was seen to use, as `PRINCIPAL=FILE` (one `service:Action` per line, or a JSON array). Repeat for more')
            [CompletionResult]::new('--cloudtrail', '--cloudtrail', [CompletionResultType]::ParameterName, 'CloudTrail logs of the account (files, gzipped files, or a directory tree such as `AWSLogs/ACCOUNT/CloudTrail/`), read once and attributed to every role and user of the details. Repeat for more')
            [CompletionResult]::new('--trail-config', '--trail-config', [CompletionResultType]::ParameterName, 'What the trail logs, for `--cloudtrail`: `aws cloudtrail get-event-selectors` or `describe-trails` output. Without it, data events count as not logged. Repeat for each trail of the logs: an event counts as logged when any of them logs it')
            [CompletionResult]::new('--unused-since', '--unused-since', [CompletionResultType]::ParameterName, 'Count an action last accessed more than DAYS days before `--as-of` as unused (exactly DAYS days ago still counts as used); for `--last-accessed`, `--cloudtrail` and the findings'' `lastAccessed` times')
            [CompletionResult]::new('--catalog', '--catalog', [CompletionResultType]::ParameterName, 'A copy of AWS''s service reference (index.json and v1/<svc>/<svc>.json) to use instead of the embedded catalog')
            [CompletionResult]::new('--as-of', '--as-of', [CompletionResultType]::ParameterName, 'The reference date, `YYYY-MM-DD` (midnight UTC) or an RFC 3339 timestamp; default now. The catalog''s age, and `--unused-since`, count back from it')
            [CompletionResult]::new('--max-input-size', '--max-input-size', [CompletionResultType]::ParameterName, 'The most pare reads of any one input (unused list, account data, catalog file) before it stops with an error, such as 2G or 500M. Default: 1G for account data, 64M for a catalog file; a policy is never read past 1M')
            [CompletionResult]::new('--identity-center', '--identity-center', [CompletionResultType]::ParameterName, 'IAM Identity Center permission sets: a directory with one directory per permission set of `aws sso-admin` outputs (see the README). Each `AWSReservedSSO_` role is its permission set provisioned there; the plan changes the permission set''s inline policy, never the roles. With several accounts only')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the refined policies, a diff per policy and `apply.sh` into this directory, which must not exist yet (or be empty). Nothing is applied')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'What to print on stdout. The table is the default, also when stdout is not a terminal; scripts ask for `json` or `csv`')
            [CompletionResult]::new('--max-policy-size', '--max-policy-size', [CompletionResultType]::ParameterName, 'Hold each refined policy to this many characters (white space not counted) when that is less than IAM''s quota: a result over it is reported, left out of apply.sh, and given the split alternative, as one over the quota is. A principal''s inline policies count together, as IAM counts them')
            [CompletionResult]::new('--terraform', '--terraform', [CompletionResultType]::ParameterName, 'The Terraform root module the account''s policies come from: policies it (or a local module under it) holds are changed by a patch in the plan (`--out DIR/terraform/*.patch`) instead of by `apply.sh`. Needs `--terraform-state`')
            [CompletionResult]::new('--terraform-state', '--terraform-state', [CompletionResultType]::ParameterName, 'The output of `terraform show -json` for that root module''s state: which resource is which policy of the account')
            [CompletionResult]::new('--cloudformation', '--cloudformation', [CompletionResultType]::ParameterName, 'A CloudFormation or SAM template (JSON or YAML) the account''s policies come from: policies it holds are changed by a patch in the plan (`--out DIR/cloudformation/*.patch`) instead of by `apply.sh`. Needs `--stack-resources`')
            [CompletionResult]::new('--stack-resources', '--stack-resources', [CompletionResultType]::ParameterName, 'The output of `aws cloudformation describe-stack-resources` for the template''s stack: the physical name or ARN of each logical id')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: on a terminal (unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--accept-unknown-used', '--accept-unknown-used', [CompletionResultType]::ParameterName, 'Take `--used` and `--last-accessed` action names that the catalog does not know as they are (actions newer than the catalog), instead of stopping')
            [CompletionResult]::new('--exit-code', '--exit-code', [CompletionResultType]::ParameterName, 'Say in the exit code whether the plan changes anything, as `git diff --exit-code` does: 0 nothing would change, 4 some policy changes, 3 every change detaches or deletes a policy whole')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no notes or warnings on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no notes or warnings on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More on stderr: every diagnostic on its own line, and the catalog in use')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More on stderr: every diagnostic on its own line, and the catalog in use')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'pare;explain' {
            [CompletionResult]::new('--unused', '--unused', [CompletionResultType]::ParameterName, 'The unused actions, in any form `refine --unused` reads; `-` reads stdin. Or the other sources `refine` reads (`--last-accessed`, `--used`), with the same flags')
            [CompletionResult]::new('--last-accessed', '--last-accessed', [CompletionResultType]::ParameterName, 'IAM last-accessed data: the output of `aws iam get-service-last-accessed-details --job-id ID` for a job generated with `--granularity ACTION_LEVEL`; `-` reads stdin. Actions IAM does not track stay granted')
            [CompletionResult]::new('--used', '--used', [CompletionResultType]::ParameterName, 'The actions the workload was seen to use (CloudTrail, or calls logged during tests): one `service:Action` per line, or a JSON array of them; `-` reads stdin. Every other granted action that such a log can show becomes unused. A usage file written by `pare usage` is read as the CloudTrail logs it came from')
            [CompletionResult]::new('--cloudtrail', '--cloudtrail', [CompletionResultType]::ParameterName, 'CloudTrail logs: files as delivered to S3 (gzipped or not), `aws cloudtrail lookup-events` output, JSON Lines of events, or a directory tree of them (`AWSLogs/ACCOUNT/CloudTrail/...`). Repeat for more. Every granted action the logs can show and that `--principal` did not call becomes unused')
            [CompletionResult]::new('--trail-config', '--trail-config', [CompletionResultType]::ParameterName, 'What the trail logs, for `--cloudtrail` and usage files: `aws cloudtrail get-event-selectors` or `describe-trails` output. Without it, management events are assumed logged and data events not (their actions stay granted). Repeat for each trail of the logs (an organization trail and the account''s own): an event counts as logged when any of them logs it')
            [CompletionResult]::new('--unused-since', '--unused-since', [CompletionResultType]::ParameterName, 'Count an action last accessed more than DAYS days before `--as-of` as unused (exactly DAYS days ago still counts as used). Applies to `--last-accessed`, `--cloudtrail`, usage files, and the `lastAccessed` times of `--unused` findings')
            [CompletionResult]::new('--principal', '--principal', [CompletionResultType]::ParameterName, 'Findings and logs are per principal: when the `--unused` findings, the `--cloudtrail` logs or a usage file name several roles or users, take those of this one (its full ARN)')
            [CompletionResult]::new('--catalog', '--catalog', [CompletionResultType]::ParameterName, 'A copy of AWS''s service reference (index.json and v1/<svc>/<svc>.json) to use instead of the embedded catalog')
            [CompletionResult]::new('--as-of', '--as-of', [CompletionResultType]::ParameterName, 'The reference date, `YYYY-MM-DD` (midnight UTC) or an RFC 3339 timestamp; default now. The catalog''s age, and `--unused-since`, count back from it')
            [CompletionResult]::new('--max-input-size', '--max-input-size', [CompletionResultType]::ParameterName, 'The most pare reads of any one input (unused list, account data, catalog file) before it stops with an error, such as 2G or 500M. Default: 1G for account data, 64M for a catalog file; a policy is never read past 1M')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'How to draw the trie')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the result to FILE instead of stdout, atomically (a temporary file in the same directory, renamed over FILE once complete); FILE is left as it was when the command fails')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the result to FILE instead of stdout, atomically (a temporary file in the same directory, renamed over FILE once complete); FILE is left as it was when the command fails')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: on a terminal (unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--accept-unknown-used', '--accept-unknown-used', [CompletionResultType]::ParameterName, 'Take `--used` and `--last-accessed` action names that the catalog does not know as they are (actions newer than the catalog), instead of stopping: a misnamed used action would leave the real one unprotected')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no notes or warnings on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no notes or warnings on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More on stderr: every diagnostic on its own line, and the catalog in use')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More on stderr: every diagnostic on its own line, and the catalog in use')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'pare;expand' {
            [CompletionResult]::new('--catalog', '--catalog', [CompletionResultType]::ParameterName, 'A copy of AWS''s service reference (index.json and v1/<svc>/<svc>.json) to use instead of the embedded catalog')
            [CompletionResult]::new('--as-of', '--as-of', [CompletionResultType]::ParameterName, 'The reference date, `YYYY-MM-DD` (midnight UTC) or an RFC 3339 timestamp; default now. The catalog''s age, and `--unused-since`, count back from it')
            [CompletionResult]::new('--max-input-size', '--max-input-size', [CompletionResultType]::ParameterName, 'The most pare reads of any one input (unused list, account data, catalog file) before it stops with an error, such as 2G or 500M. Default: 1G for account data, 64M for a catalog file; a policy is never read past 1M')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the result to FILE instead of stdout, atomically (a temporary file in the same directory, renamed over FILE once complete); FILE is left as it was when the command fails')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the result to FILE instead of stdout, atomically (a temporary file in the same directory, renamed over FILE once complete); FILE is left as it was when the command fails')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: on a terminal (unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--access-level', '--access-level', [CompletionResultType]::ParameterName, 'Add each action''s access level after a tab')
            [CompletionResult]::new('--tracked', '--tracked', [CompletionResultType]::ParameterName, 'Add after a tab whether IAM tracks the action''s last access (`tracked`, `untracked`): `--last-accessed` can tell an untracked action''s use from no use only at the service level, so it keeps it')
            [CompletionResult]::new('--observable', '--observable', [CompletionResultType]::ParameterName, 'Add after a tab whether CloudTrail can show the action''s use (`--cloudtrail`): `logged` (a management event authorizes it), `data-event` (only data events do, which a trail logs only when configured to), or `not-logged` (no logged operation authorizes it: permission-only or console-only). pare keeps what the logs cannot show')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no notes or warnings on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no notes or warnings on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More on stderr: every diagnostic on its own line, and the catalog in use')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More on stderr: every diagnostic on its own line, and the catalog in use')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'pare;verify' {
            [CompletionResult]::new('--unused', '--unused', [CompletionResultType]::ParameterName, 'The unused actions the refinement was made against, in any form `refine --unused` reads; `-` reads stdin. Or the other sources `refine` reads (`--last-accessed`, `--used`), with the same flags as there. Without any: the pull-request gate, which asks whether REFINED (the new version of a policy, a Terraform file or a template) grants anything ORIGINAL (the old version) did not')
            [CompletionResult]::new('--last-accessed', '--last-accessed', [CompletionResultType]::ParameterName, 'IAM last-accessed data: the output of `aws iam get-service-last-accessed-details --job-id ID` for a job generated with `--granularity ACTION_LEVEL`; `-` reads stdin. Actions IAM does not track stay granted')
            [CompletionResult]::new('--used', '--used', [CompletionResultType]::ParameterName, 'The actions the workload was seen to use (CloudTrail, or calls logged during tests): one `service:Action` per line, or a JSON array of them; `-` reads stdin. Every other granted action that such a log can show becomes unused. A usage file written by `pare usage` is read as the CloudTrail logs it came from')
            [CompletionResult]::new('--cloudtrail', '--cloudtrail', [CompletionResultType]::ParameterName, 'CloudTrail logs: files as delivered to S3 (gzipped or not), `aws cloudtrail lookup-events` output, JSON Lines of events, or a directory tree of them (`AWSLogs/ACCOUNT/CloudTrail/...`). Repeat for more. Every granted action the logs can show and that `--principal` did not call becomes unused')
            [CompletionResult]::new('--trail-config', '--trail-config', [CompletionResultType]::ParameterName, 'What the trail logs, for `--cloudtrail` and usage files: `aws cloudtrail get-event-selectors` or `describe-trails` output. Without it, management events are assumed logged and data events not (their actions stay granted). Repeat for each trail of the logs (an organization trail and the account''s own): an event counts as logged when any of them logs it')
            [CompletionResult]::new('--unused-since', '--unused-since', [CompletionResultType]::ParameterName, 'Count an action last accessed more than DAYS days before `--as-of` as unused (exactly DAYS days ago still counts as used). Applies to `--last-accessed`, `--cloudtrail`, usage files, and the `lastAccessed` times of `--unused` findings')
            [CompletionResult]::new('--principal', '--principal', [CompletionResultType]::ParameterName, 'Findings and logs are per principal: when the `--unused` findings, the `--cloudtrail` logs or a usage file name several roles or users, take those of this one (its full ARN)')
            [CompletionResult]::new('--catalog', '--catalog', [CompletionResultType]::ParameterName, 'A copy of AWS''s service reference (index.json and v1/<svc>/<svc>.json) to use instead of the embedded catalog')
            [CompletionResult]::new('--as-of', '--as-of', [CompletionResultType]::ParameterName, 'The reference date, `YYYY-MM-DD` (midnight UTC) or an RFC 3339 timestamp; default now. The catalog''s age, and `--unused-since`, count back from it')
            [CompletionResult]::new('--max-input-size', '--max-input-size', [CompletionResultType]::ParameterName, 'The most pare reads of any one input (unused list, account data, catalog file) before it stops with an error, such as 2G or 500M. Default: 1G for account data, 64M for a catalog file; a policy is never read past 1M')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the result to FILE instead of stdout, atomically (a temporary file in the same directory, renamed over FILE once complete); FILE is left as it was when the command fails')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the result to FILE instead of stdout, atomically (a temporary file in the same directory, renamed over FILE once complete); FILE is left as it was when the command fails')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: on a terminal (unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--accept-unknown-used', '--accept-unknown-used', [CompletionResultType]::ParameterName, 'Take `--used` and `--last-accessed` action names that the catalog does not know as they are (actions newer than the catalog), instead of stopping: a misnamed used action would leave the real one unprotected')
            [CompletionResult]::new('--no-wildcards', '--no-wildcards', [CompletionResultType]::ParameterName, 'The refinement was made with `refine --no-wildcards`: its replacements list the used actions one by one, so conciseness (guarantee 6) is not checked')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no notes or warnings on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no notes or warnings on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More on stderr: every diagnostic on its own line, and the catalog in use')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More on stderr: every diagnostic on its own line, and the catalog in use')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'pare;usage' {
            [CompletionResult]::new('--cloudtrail', '--cloudtrail', [CompletionResultType]::ParameterName, 'CloudTrail logs: files as delivered to S3 (gzipped or not), `aws cloudtrail lookup-events` output, JSON Lines of events, or a directory tree of them. Repeat for more')
            [CompletionResult]::new('--principal', '--principal', [CompletionResultType]::ParameterName, 'Keep only this role or user (its full ARN). Repeat for more; default: every principal the logs show')
            [CompletionResult]::new('--unused-since', '--unused-since', [CompletionResultType]::ParameterName, 'The window the file is meant for, in days before `--as-of`: pare warns when the logs cover less of it and counts the events before it. The file keeps every time, so it can be read against any window later')
            [CompletionResult]::new('--catalog', '--catalog', [CompletionResultType]::ParameterName, 'A copy of AWS''s service reference (index.json and v1/<svc>/<svc>.json) to use instead of the embedded catalog')
            [CompletionResult]::new('--as-of', '--as-of', [CompletionResultType]::ParameterName, 'The reference date, `YYYY-MM-DD` (midnight UTC) or an RFC 3339 timestamp; default now. The catalog''s age, and `--unused-since`, count back from it')
            [CompletionResult]::new('--max-input-size', '--max-input-size', [CompletionResultType]::ParameterName, 'The most pare reads of any one input (unused list, account data, catalog file) before it stops with an error, such as 2G or 500M. Default: 1G for account data, 64M for a catalog file; a policy is never read past 1M')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the result to FILE instead of stdout, atomically (a temporary file in the same directory, renamed over FILE once complete); FILE is left as it was when the command fails')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the result to FILE instead of stdout, atomically (a temporary file in the same directory, renamed over FILE once complete); FILE is left as it was when the command fails')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: on a terminal (unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no notes or warnings on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no notes or warnings on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More on stderr: every diagnostic on its own line, and the catalog in use')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More on stderr: every diagnostic on its own line, and the catalog in use')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'pare;catalog' {
            [CompletionResult]::new('--catalog', '--catalog', [CompletionResultType]::ParameterName, 'A copy of AWS''s service reference (index.json and v1/<svc>/<svc>.json) to use instead of the embedded catalog')
            [CompletionResult]::new('--as-of', '--as-of', [CompletionResultType]::ParameterName, 'The reference date, `YYYY-MM-DD` (midnight UTC) or an RFC 3339 timestamp; default now. The catalog''s age, and `--unused-since`, count back from it')
            [CompletionResult]::new('--max-input-size', '--max-input-size', [CompletionResultType]::ParameterName, 'The most pare reads of any one input (unused list, account data, catalog file) before it stops with an error, such as 2G or 500M. Default: 1G for account data, 64M for a catalog file; a policy is never read past 1M')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the result to FILE instead of stdout, atomically (a temporary file in the same directory, renamed over FILE once complete); FILE is left as it was when the command fails')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the result to FILE instead of stdout, atomically (a temporary file in the same directory, renamed over FILE once complete); FILE is left as it was when the command fails')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: on a terminal (unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('--services', '--services', [CompletionResultType]::ParameterName, 'List every service with its action count (tab-separated) instead')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no notes or warnings on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no notes or warnings on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More on stderr: every diagnostic on its own line, and the catalog in use')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More on stderr: every diagnostic on its own line, and the catalog in use')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'pare;completions' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: on a terminal (unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no notes or warnings on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no notes or warnings on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More on stderr: every diagnostic on its own line, and the catalog in use')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More on stderr: every diagnostic on its own line, and the catalog in use')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'pare;man' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour the output: on a terminal (unless NO_COLOR is set), always, or never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only: no notes or warnings on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only: no notes or warnings on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More on stderr: every diagnostic on its own line, and the catalog in use')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More on stderr: every diagnostic on its own line, and the catalog in use')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'pare;help' {
            [CompletionResult]::new('refine', 'refine', [CompletionResultType]::ParameterValue, 'Remove unused permissions from a policy, as Access Analyzer recommends')
            [CompletionResult]::new('account', 'account', [CompletionResultType]::ParameterValue, 'Refine a whole account: every policy of every principal with an unused-access finding, shared policies only where all holders agree')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Draw the trie below one pattern: which prefixes are safe, why the others are not, and what `refine` puts in the pattern''s place')
            [CompletionResult]::new('expand', 'expand', [CompletionResultType]::ParameterValue, 'List the known actions that patterns match, one per line')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check a refined policy against its original: nothing new granted, nothing unused granted, nothing used lost, everything else kept')
            [CompletionResult]::new('usage', 'usage', [CompletionResultType]::ParameterValue, 'Scan CloudTrail logs once into a usage file that `--used` reads')
            [CompletionResult]::new('catalog', 'catalog', [CompletionResultType]::ParameterValue, 'Show where the action catalog came from and what it holds')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script for pare')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Print pare''s man page, or a subcommand''s (roff), for `man -l -` or a man directory')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'pare;help;refine' {
            break
        }
        'pare;help;account' {
            break
        }
        'pare;help;explain' {
            break
        }
        'pare;help;expand' {
            break
        }
        'pare;help;verify' {
            break
        }
        'pare;help;usage' {
            break
        }
        'pare;help;catalog' {
            break
        }
        'pare;help;completions' {
            break
        }
        'pare;help;man' {
            break
        }
        'pare;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
