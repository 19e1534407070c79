//! The managed-policy steps of `apply.sh` and `rollback.sh`: a new default
//! version, a detachment, a replacement, and their undoing.

use super::*;

impl View<'_> {
    /// apply.sh's lines for a new default version, inside the check that the
    /// live default is the plan's.
    pub(super) fn apply_new_version(
        &self,
        l: &mut Lines,
        policy: &PolicyPlan,
        arn: &str,
        what: &str,
        refined: &str,
        file: &str,
    ) {
        if let Some(old) = &policy.delete_version {
            l.push(
                1,
                "# IAM keeps at most five versions: delete the oldest non-default one first",
            );
            l.push(
                1,
                format!(
                    "found=$(ask iam get-policy-version --policy-arn{} --version-id{} --query PolicyVersion.VersionId --output text)",
                    arg(arn),
                    arg(old)
                ),
            );
            l.push(1, "if [ \"$found\" != absent ]; then");
            l.push(
                2,
                format!(
                    "aws iam delete-policy-version --policy-arn{} --version-id{}",
                    arg(arn),
                    arg(old)
                ),
            );
            l.push(1, "fi");
        }
        l.push(
            1,
            format!(
                "aws iam create-policy-version --policy-arn{} --policy-document{} --set-as-default",
                arg(arn),
                arg(file)
            ),
        );
        l.push(0, "elif [ \"$live\" != absent ]; then");
        l.push(
            1,
            format!(
                "state=$(same PolicyVersion.Document {refined} iam get-policy-version --policy-arn{} --version-id=\"$live\")",
                arg(arn)
            ),
        );
        l.push(1, "if [ \"$state\" = true ]; then");
        l.push(2, format!("already {what}"));
        l.push(1, "else");
        l.push(
            2,
            format!("skip {what} \"its default version is now $live\""),
        );
        l.push(1, "fi");
    }

    /// apply.sh's lines that detach a managed policy from each holder.
    pub(super) fn apply_detach(&self, l: &mut Lines, policy: &PolicyPlan, arn: &str) {
        for &a in &policy.attachments {
            if let Some(entity) = self.account.entities.get(a) {
                toggle(l, 1, entity, arn, "true", "detach");
                l.push(1, "else");
                l.push(
                    2,
                    format!(
                        "already {}",
                        shell_word(&safe::escape(&format!(
                            "{} no longer holds `{arn}`",
                            entity.label()
                        )))
                    ),
                );
                l.push(1, "fi");
            }
        }
    }

    /// apply.sh's lines that create the replacement of an AWS managed policy,
    /// attach it, and detach the original.
    #[expect(
        clippy::too_many_arguments,
        reason = "the section's words, named as apply_lines names them"
    )]
    pub(super) fn apply_replace(
        &self,
        l: &mut Lines,
        policy: &PolicyPlan,
        arn: &str,
        new_name: &str,
        what: &str,
        refined: &str,
        file: &str,
    ) {
        let new_arn = self.replacement_arn(policy, arn, new_name);
        l.push(1, format!("new=$(default {})", shell_word(&new_arn)));
        l.push(1, "if [ \"$new\" = absent ]; then");
        l.push(
            2,
            format!(
                "aws iam create-policy --policy-name{} --policy-document{} --query Policy.Arn --output text",
                arg(new_name),
                arg(file)
            ),
        );
        l.push(1, "else");
        l.push(
            2,
            format!(
                "state=$(same PolicyVersion.Document {refined} iam get-policy-version --policy-arn{} --version-id=\"$new\")",
                arg(&new_arn)
            ),
        );
        l.push(2, "if [ \"$state\" != true ]; then");
        l.push(
            3,
            format!(
                "skip {what} {}",
                shell_word(&safe::escape(&format!(
                    "a policy `{new_name}` exists with another document"
                )))
            ),
        );
        l.push(3, "new=taken");
        l.push(2, "fi");
        l.push(1, "fi");
        l.push(1, "if [ \"$new\" != taken ]; then");
        // Attach the replacement before detaching the original, so
        // that no principal is ever without what it uses.
        for &a in &policy.attachments {
            if let Some(entity) = self.account.entities.get(a) {
                toggle(l, 2, entity, &new_arn, "false", "attach");
                l.push(2, "fi");
                toggle(l, 2, entity, arn, "true", "detach");
                l.push(2, "fi");
            }
        }
        l.push(1, "fi");
    }

    /// rollback.sh's lines that make the plan's default version the default again.
    pub(super) fn rollback_new_version(
        &self,
        l: &mut Lines,
        policy: &PolicyPlan,
        arn: &str,
        managed: &HashMap<&str, &account::ManagedPolicy>,
        what: &str,
        refined: &str,
    ) {
        let Some(version) = managed.get(arn).and_then(|m| m.default_version.as_deref()) else {
            l.push(
                0,
                format!("skip {what} 'the plan does not know its default version'"),
            );
            return;
        };
        if let Some(old) = &policy.delete_version {
            l.push(
                0,
                safe::comment(&format!(
                    "apply.sh deleted version {old} (not the default) to make room: IAM cannot restore it under its id; its document is in the details file"
                ))
                .trim_end(),
            );
        }
        l.push(0, format!("live=$(default {})", shell_word(arn)));
        l.push(
            0,
            format!("if [ \"$live\" = {} ]; then", shell_word(version)),
        );
        l.push(1, format!("already {what}"));
        l.push(0, "elif [ \"$live\" = absent ]; then");
        l.push(1, format!("skip {what} 'it no longer exists'"));
        l.push(0, "else");
        l.push(
            1,
            format!(
                "state=$(same PolicyVersion.Document {refined} iam get-policy-version --policy-arn{} --version-id=\"$live\")",
                arg(arn)
            ),
        );
        l.push(1, "if [ \"$state\" = true ]; then");
        l.push(
            2,
            format!(
                "aws iam set-default-policy-version --policy-arn{} --version-id{}",
                arg(arn),
                arg(version)
            ),
        );
        l.push(
            2,
            format!(
                "aws iam delete-policy-version --policy-arn{} --version-id \"$live\"",
                arg(arn)
            ),
        );
        l.push(1, "else");
        l.push(
            2,
            format!("skip {what} \"its default version $live is not the one apply.sh made\""),
        );
        l.push(1, "fi");
        l.push(0, "fi");
    }

    /// rollback.sh's lines that put the original back and delete the replacement.
    pub(super) fn rollback_replace(
        &self,
        l: &mut Lines,
        policy: &PolicyPlan,
        arn: &str,
        new_name: &str,
        what: &str,
        refined: &str,
    ) {
        let new_arn = self.replacement_arn(policy, arn, new_name);
        // The original back before the replacement goes.
        for &a in &policy.attachments {
            if let Some(entity) = self.account.entities.get(a) {
                self.reattach(l, entity, arn);
                toggle(l, 0, entity, &new_arn, "true", "detach");
                l.push(0, "fi");
            }
        }
        l.push(0, format!("new=$(default {})", shell_word(&new_arn)));
        l.push(0, "if [ \"$new\" != absent ]; then");
        l.push(
            1,
            format!(
                "state=$(same PolicyVersion.Document {refined} iam get-policy-version --policy-arn{} --version-id=\"$new\")",
                arg(&new_arn)
            ),
        );
        l.push(
            1,
            format!(
                "count=$(ask iam get-policy --policy-arn{} --query Policy.AttachmentCount --output text)",
                arg(&new_arn)
            ),
        );
        l.push(1, "if [ \"$state\" = true ] && [ \"$count\" = 0 ]; then");
        l.push(
            2,
            format!("aws iam delete-policy --policy-arn{}", arg(&new_arn)),
        );
        l.push(1, "else");
        l.push(
            2,
            format!(
                "skip {what} {}",
                shell_word(&safe::escape(&format!(
                    "its replacement `{new_name}` changed or is attached elsewhere: left in place"
                )))
            ),
        );
        l.push(1, "fi");
        l.push(0, "fi");
    }

    /// Lines that attach `arn` to `entity` again unless it is attached.
    pub(super) fn reattach(&self, l: &mut Lines, entity: &account::Entity, arn: &str) {
        toggle(l, 0, entity, arn, "false", "attach");
        l.push(0, "elif [ \"$state\" = absent ]; then");
        l.push(
            1,
            format!(
                "skip {} 'it no longer exists'",
                shell_word(&safe::escape(&entity.label()))
            ),
        );
        l.push(0, "fi");
    }

    /// The ARN `create-policy` gives the replacement `new_name` of `arn`: the
    /// same partition, the account of the principals that hold it (an AWS
    /// managed policy's ARN names no account), the path `/`.
    pub(super) fn replacement_arn(&self, policy: &PolicyPlan, arn: &str, new_name: &str) -> String {
        let fields = |arn: &str| -> (String, String) {
            let mut parts = arn.splitn(6, ':');
            let partition = parts.nth(1).unwrap_or("aws").to_string();
            let account = parts.nth(2).unwrap_or("").to_string();
            (partition, account)
        };
        let (partition, mut account) = fields(arn);
        if account == "aws" || account.is_empty() {
            account = policy
                .attachments
                .iter()
                .filter_map(|&a| self.account.entities.get(a))
                .map(|e| fields(&e.arn).1)
                .next()
                .unwrap_or_default();
        }
        format!("arn:{partition}:iam::{account}:policy/{new_name}")
    }
}

/// The shape of every conditional attach or detach: asks whether `arn` is
/// attached to `entity` and, when the answer is `when` (`true`, `false`),
/// runs `aws iam {verb}-{kind}-policy`. The caller closes the `if` (with
/// `fi`, or goes on with `else`/`elif`).
fn toggle(
    l: &mut Lines,
    depth: usize,
    entity: &account::Entity,
    arn: &str,
    when: &str,
    verb: &str,
) {
    let kind = entity.kind.as_str();
    // A helper's positional argument: never joined to an option.
    l.push(
        depth,
        format!(
            "state=$(attached {kind} {} {})",
            shell_word(&entity.name),
            json_word(arn)
        ),
    );
    l.push(depth, format!("if [ \"$state\" = {when} ]; then"));
    l.push(
        depth + 1,
        format!(
            "aws iam {verb}-{kind}-policy --{kind}-name{} --policy-arn{}",
            arg(&entity.name),
            arg(arn)
        ),
    );
}
