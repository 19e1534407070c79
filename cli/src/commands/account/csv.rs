//! `--format csv`.

use super::*;

impl View<'_> {
    pub(super) fn csv(&self) -> Result<String, Error> {
        let mut writer = ::csv::Writer::from_writer(Vec::new());
        let header = [
            "principal_arn",
            "principal",
            "policy",
            "policy_arn",
            "type",
            "via",
            "decision",
            "new_policy_name",
            "shared_by",
        ]
        .into_iter()
        .chain(levels::LEVELS.iter().map(|l| l.csv))
        .chain([
            "size_before",
            "size_after",
            "quota",
            "quota_limit",
            "quota_used",
            "over_quota",
            "alone_removed",
            "note",
        ]);
        let csv_error = |e: ::csv::Error| Error::input("cannot write CSV").with_source(e);
        writer.write_record(header).map_err(csv_error)?;
        for row in self.rows() {
            let policy = row.policy;
            let removed = Self::removed(policy);
            let principal = self.account.entities.get(row.principal.entity);
            let quota = policy.quota;
            let mut record = vec![
                principal.map_or(String::new(), |e| e.arn.clone()),
                self.label(row.principal.entity),
                policy.name.clone(),
                policy.arn.clone().unwrap_or_default(),
                self.kind(policy),
                self.via(row.holding),
                policy.decision.label().to_string(),
                match &policy.decision {
                    Decision::Replace { new_name } => new_name.clone(),
                    _ => String::new(),
                },
                policy.holders.len().to_string(),
            ];
            record.extend(levels::cells(&levels::LEVELS, &removed, |n| n.to_string()));
            record.extend([
                policy.size_before.to_string(),
                Self::size_after(policy).map_or(String::new(), |s| s.to_string()),
                quota.map_or(String::new(), |q| q.kind.describe().to_string()),
                quota.map_or(String::new(), |q| q.limit.to_string()),
                quota.map_or(String::new(), |q| q.used.to_string()),
                quota
                    .is_some_and(|q| q.over() && policy.decision.changes())
                    .to_string(),
                row.holding
                    .alternative
                    .as_ref()
                    .map_or(String::new(), |a| a.removed.total.to_string()),
                self.note(&row),
            ]);
            writer.write_record(record).map_err(csv_error)?;
        }
        let bytes = writer
            .into_inner()
            .map_err(|e| Error::input("cannot write CSV").with_source(e.into_error()))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}
