//! `--format table`: the table, and the summary every format ends with.

use super::*;

impl View<'_> {
    pub(super) fn table(&self) -> String {
        let header = [
            "PRINCIPAL",
            "POLICY",
            "TYPE",
            "VIA",
            "DECISION",
            "REMOVED",
            "PERM",
            "WRITE",
            "TAG",
            "LIST",
            "READ",
            "SIZE",
            "NOTE",
        ];
        let numeric = [5usize, 6, 7, 8, 9, 10];
        let mut lines: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
        for row in self.rows() {
            let removed = Self::removed(row.policy);
            let size = match Self::size_after(row.policy) {
                None => "-".to_string(),
                Some(after) => {
                    format!("{}→{}", thousands(row.policy.size_before), thousands(after))
                }
            };
            let cells = vec![
                self.label(row.principal.entity),
                row.policy.name.clone(),
                self.kind(row.policy),
                or_dash(self.via(row.holding)),
                row.policy.decision.label().to_string(),
                removed.total.to_string(),
                removed.permissions_management.to_string(),
                removed.write.to_string(),
                removed.tagging.to_string(),
                removed.list.to_string(),
                removed.read.to_string(),
                size,
                self.note(&row),
            ];
            // Measured and printed escaped: a cell can neither drive the
            // terminal nor break the row.
            lines.push(cells.iter().map(|c| safe::escape(c).into_owned()).collect());
        }
        let columns = header.len();
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                lines
                    .iter()
                    .map(|l| l.get(c).map_or(0, |s| s.chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        if lines.len() == 1 {
            out.push_str("no principal with an active UnusedPermission finding\n");
        } else {
            for line in &lines {
                let mut text = String::new();
                for (c, cell) in line.iter().enumerate() {
                    let width = widths.get(c).copied().unwrap_or(0);
                    let pad = width.saturating_sub(cell.chars().count());
                    if c > 0 {
                        text.push_str("  ");
                    }
                    if numeric.contains(&c) {
                        text.push_str(&" ".repeat(pad));
                        text.push_str(cell);
                    } else {
                        text.push_str(cell);
                        if c + 1 < columns {
                            text.push_str(&" ".repeat(pad));
                        }
                    }
                }
                out.push_str(text.trim_end());
                out.push('\n');
            }
        }
        out.push('\n');
        out.push_str(&self.summary());
        out
    }

    /// The totals a security reviewer reads first, and the findings' fate.
    pub(super) fn summary(&self) -> String {
        let mut out = String::new();
        let changed: Vec<&PolicyPlan> = self
            .plan
            .policies
            .iter()
            .filter(|p| p.decision.changes())
            .collect();
        let mut total = LevelCounts::default();
        for policy in &changed {
            let removed = Self::removed(policy);
            total.total += removed.total;
            total.permissions_management += removed.permissions_management;
            total.write += removed.write;
            total.tagging += removed.tagging;
            total.list += removed.list;
            total.read += removed.read;
            total.unknown += removed.unknown;
        }
        let count = |d: &str| {
            self.plan
                .policies
                .iter()
                .filter(|p| p.decision.label() == d)
                .count()
        };
        let _ = writeln!(
            out,
            "{} with findings hold {}: {} put-inline, {} delete-inline, {} new-version, {} detach, {} replace, {} keep, {} skipped",
            plural(self.plan.principals.len(), "principal", "principals"),
            plural(self.plan.policies.len(), "policy", "policies"),
            count("put-inline"),
            count("delete-inline"),
            count("new-version"),
            count("detach"),
            count("replace"),
            count("keep"),
            count("skipped"),
        );
        let _ = writeln!(
            out,
            "actions no longer granted: {} permissions management, {} write, {} tagging, {} list, {} read{} ({} in all, counted per policy)",
            total.permissions_management,
            total.write,
            total.tagging,
            total.list,
            total.read,
            if total.unknown > 0 {
                format!(", {} of unknown level", total.unknown)
            } else {
                String::new()
            },
            thousands(total.total),
        );
        let over = changed
            .iter()
            .filter(|p| p.quota.is_some_and(|q| q.over()))
            .count();
        if over > 0 {
            let _ = writeln!(
                out,
                "{over} refined policies would not fit IAM's size quotas; apply.sh leaves them commented out"
            );
        }
        let c = &self.plan.counts;
        let _ = writeln!(
            out,
            "findings: {} read, {} UnusedPermission applied, {} reported below, {} archived and {} resolved ignored, {} of other types ignored, {} for unknown principals, {} for other accounts, {} duplicates",
            c.read,
            c.unused_permission,
            c.reported,
            c.archived,
            c.resolved,
            c.other_type,
            c.unknown_principal,
            c.other_account,
            c.duplicate
        );
        for other in &self.plan.other_findings {
            let who = other
                .entity
                .map_or_else(|| other.resource.clone(), |e| self.label(e));
            let what = match other.finding_type.as_str() {
                "UnusedIAMRole" => "the role is unused: consider deleting it",
                "UnusedIAMUserAccessKey" => "an access key is unused: consider deactivating it",
                "UnusedIAMUserPassword" => "the console password is unused: consider removing it",
                _ => "reported",
            };
            let _ = writeln!(
                out,
                "{}: {}: {what} (finding `{}`)",
                Escaped(&other.finding_type),
                Escaped(&who),
                Escaped(&other.id)
            );
        }
        out
    }
}
